using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace FraudStream.Cli.Tests.Api;

/// <summary>
/// What the request path's shortcuts must not change: a key remembered by a keep-alive connection, and bodies read
/// into pooled buffers whatever their framing.
/// </summary>
public sealed class ApiRequestPathTests
{
    private static RunningApi Api => ApiFixture.Api;

    private static string ValidBody() => ApiFixture.ToJson(ApiFixture.Transactions(1)[0]).ToJsonString();

    /// <summary>A client whose requests all go over one connection, each with the key it is given.</summary>
    private static HttpClient OneConnection() =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = 1, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) }) { BaseAddress = Api.Address };

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, HttpMethod method, string path, string? key, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (key is not null)
        {
            request.Headers.Add("X-API-Key", key);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    [Test]
    public async Task Every_request_on_a_keep_alive_connection_is_checked_for_its_own_key()
    {
        using var client = OneConnection();
        var statuses = new List<HttpStatusCode>();
        foreach (var key in new[] { ApiFixture.UserKey, "not-a-key-0123456789abcdef", ApiFixture.UserKey, ApiFixture.UserKey[..^1] + "X", null, ApiFixture.UserKey })
        {
            statuses.Add(await SendAsync(client, HttpMethod.Post, "/predict", key, ValidBody()));
        }

        Assert.That(statuses, Is.EqualTo(new[]
        {
            HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.OK,
        }));
    }

    [Test]
    public async Task A_user_key_after_an_admin_key_on_one_connection_is_still_not_an_admin()
    {
        using var client = OneConnection();
        // The connection has proved the admin key; the user key that follows must not ride on it (rollback is admin-only).
        var admin = await SendAsync(client, HttpMethod.Get, "/model/versions", ApiFixture.AdminKey);
        var user = await SendAsync(client, HttpMethod.Post, "/model/rollback", ApiFixture.UserKey);
        Assert.That((admin, user), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.Forbidden)));
    }

    [Test]
    public async Task A_chunked_body_larger_than_the_first_buffer_is_read_whole()
    {
        var transactions = ApiFixture.Transactions(ApiFixture.MaxBatchSize, seed: 21);
        var body = new JsonObject { ["transactions"] = new JsonArray([.. transactions.Select(t => (JsonNode)ApiFixture.ToJson(t))]) }.ToJsonString();
        Assert.That(Encoding.UTF8.GetByteCount(body), Is.InRange(16 * 1024, ApiFixture.MaxBodyBytes), "the body spans several buffers");

        using var response = await Api.User.PostAsync("/predict/batch", Chunked(body));

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(JsonNode.Parse(text)!["predictions"]!.AsArray().Select(p => p!["transaction_id"]!.GetValue<string>()), Is.EqualTo(transactions.Select(t => t.TransactionId)));
    }

    [Test]
    public async Task A_chunked_body_over_the_limit_is_413()
    {
        var padded = ApiFixture.ToJson(ApiFixture.Transactions(1)[0]);
        padded["padding"] = new string('x', ApiFixture.MaxBodyBytes);

        using var response = await Api.User.PostAsync("/predict", Chunked(padded.ToJsonString()));

        var problem = await ApiTests.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain(ApiFixture.MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test]
    public async Task Fields_in_any_order_beside_unknown_ones_give_the_same_answer()
    {
        var canonical = ApiFixture.ToJson(ApiFixture.Transactions(1, seed: 5)[0]);
        var reordered = new JsonObject { ["note"] = "not a field", ["transaction_id"] = "escaped-name" };
        foreach (var (name, value) in canonical.Reverse().Where(f => f.Key != "transaction_id"))
        {
            reordered[name] = value?.DeepClone();
        }

        var first = await PredictAsync(canonical.ToJsonString());
        // The same name with an escaped letter: read as transaction_id, as the JSON it is.
        var second = await PredictAsync(reordered.ToJsonString().Replace("\"transaction_id\"", "\"transaction_\\u0069d\"", StringComparison.Ordinal));

        Assert.That(second["score"]!.GetValue<float>(), Is.EqualTo(first["score"]!.GetValue<float>()));
        Assert.That(second["transaction_id"]!.GetValue<string>(), Is.EqualTo("escaped-name"));
    }

    [Test]
    public async Task An_unknown_field_whose_name_is_no_text_is_400()
    {
        var body = ApiFixture.ToJson(ApiFixture.Transactions(1)[0]).ToJsonString().TrimEnd('}') + ",\"\\ud800\":1}";

        using var response = await RunningApi.PostJsonAsync(Api.User, "/predict", body);

        var problem = await ApiTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!["body"]![0]!.GetValue<string>(), Does.Contain("not valid Unicode text"));
    }

    private static async Task<JsonNode> PredictAsync(string body)
    {
        using var response = await RunningApi.PostJsonAsync(Api.User, "/predict", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonNode.Parse(text)!;
    }

    /// <summary>A JSON body sent without a Content-Length, in chunks as it is written.</summary>
    private static StreamContent Chunked(string body)
    {
        var content = new StreamContent(new UnseekableStream(Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>A stream whose length HttpClient cannot know, so it sends Transfer-Encoding: chunked.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
