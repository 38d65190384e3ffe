using System.Net.Http.Headers;
using System.Text;

namespace FraudStream.Cli.Tests.Api;

/// <summary>A `fraudstream api` child process on a free port, its model loaded, and HTTP clients with and without keys.</summary>
public sealed class RunningApi : IDisposable
{
    private RunningApi(FraudstreamProcess process, Uri address)
    {
        Process = process;
        Address = address;
        Anonymous = new HttpClient { BaseAddress = address };
        User = WithKey(ApiFixture.UserKey);
        Admin = WithKey(ApiFixture.AdminKey);
    }

    public FraudstreamProcess Process { get; }

    public Uri Address { get; }

    public HttpClient Anonymous { get; }

    public HttpClient User { get; }

    public HttpClient Admin { get; }

    /// <summary>Starts the API over <paramref name="registry"/> with the fixture's keys and <paramref name="settings"/>; returns once a model is in force.</summary>
    public static async Task<RunningApi> StartAsync(string registry, IReadOnlyDictionary<string, string?> settings)
    {
        var environment = new Dictionary<string, string?>(settings)
        {
            ["FRAUDSTREAM_Api__Keys__0"] = ApiFixture.UserKey,
            ["FRAUDSTREAM_Api__AdminKeys__0"] = ApiFixture.AdminKey,
            ["OMP_WAIT_POLICY"] = "PASSIVE",
        };
        var process = FraudstreamProcess.Start(environment, "api", "--registry", registry, "--url", "http://127.0.0.1:0");
        try
        {
            var line = await process.WaitForStdoutLineAsync(l => l.StartsWith("API listening on ", StringComparison.Ordinal), "its address", ApiFixture.StartLimit);
            var address = new Uri(line["API listening on ".Length..].Split(' ')[0]);
            await process.WaitForStderrLineAsync(l => l.Contains("is in force", StringComparison.Ordinal), "a model in force", ApiFixture.StartLimit);
            return new RunningApi(process, address);
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    public HttpClient WithKey(string key)
    {
        var client = new HttpClient { BaseAddress = Address };
        client.DefaultRequestHeaders.Add("X-API-Key", key);
        return client;
    }

    /// <summary>POSTs <paramref name="body"/> as application/json.</summary>
    public static Task<HttpResponseMessage> PostJsonAsync(HttpClient client, string path, string body) =>
        PostJsonAsync(client, path, Encoding.UTF8.GetBytes(body));

    /// <summary>POSTs raw bytes as application/json.</summary>
    public static Task<HttpResponseMessage> PostJsonAsync(HttpClient client, string path, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return client.PostAsync(path, content);
    }

    public void Dispose()
    {
        Anonymous.Dispose();
        User.Dispose();
        Admin.Dispose();
        Process.Dispose();
    }
}
