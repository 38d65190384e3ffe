using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace FraudStream.Cli.Tests.Api;

/// <summary>Random and malformed bodies: whatever a client sends, the answer is a 2xx or a 4xx problem, never a 500.</summary>
public sealed class ApiFuzzTests
{
    private const int Bodies = 5_000;

    private static readonly string[] s_fields =
    [
        "transaction_id", "card_id", "event_time", "amount", "currency", "merchant_id", "merchant_category", "channel",
        "card_present", "terminal_id", "merchant_country", "merchant_latitude", "merchant_longitude", "cardholder_latitude",
        "cardholder_longitude",
    ];

    private static readonly string[] s_values =
    [
        "null", "true", "false", "0", "-0", "-1", "1e308", "1e309", "-1e400", "123456789012345678901234567890", "0.1e-400", "\"\"",
        "\" \"", "\"POS\"", "\"pos\"", "\"\\ud800\"", "\"\\u0000\"", "[]", "{}", "[1,2]", "{\"a\":1}", "\"2026-13-45T99:99:99Z\"",
        "\"2026-03-14T09:30:00+14:00\"", "\"9999-12-31T23:59:59Z\"", "\"0001-01-01T00:00:00Z\"", "\"NaN\"", "\"Infinity\"", "1.5",
        "\"5411\"", "\"EUR\"", "\"" + new string('x', 5000) + "\"",
    ];

    private static readonly HashSet<HttpStatusCode> s_expected =
    [
        HttpStatusCode.OK, HttpStatusCode.BadRequest, HttpStatusCode.UnprocessableEntity, HttpStatusCode.RequestEntityTooLarge,
    ];

    [Test]
    public async Task Five_thousand_random_and_malformed_bodies_never_get_a_500()
    {
        var random = new Random(20260314);
        var valid = ApiFixture.Transactions(50, seed: 21).Select(t => ApiFixture.ToJson(t).ToJsonString()).ToArray();
        var counts = new Dictionary<HttpStatusCode, int>();
        for (var i = 0; i < Bodies; i++)
        {
            var batch = random.Next(4) == 0;
            var body = Mutate(random, valid[random.Next(valid.Length)]);
            if (batch)
            {
                body = random.Next(5) == 0 ? body : Encoding.UTF8.GetBytes("{\"transactions\":[" + Encoding.UTF8.GetString(body) + "," + valid[0] + "]}");
            }

            using var response = await RunningApi.PostJsonAsync(ApiFixture.Api.User, batch ? "/predict/batch" : "/predict", body);
            var text = await response.Content.ReadAsStringAsync();
            counts[response.StatusCode] = counts.GetValueOrDefault(response.StatusCode) + 1;
            Assert.That(s_expected, Does.Contain(response.StatusCode), $"body #{i}: {Preview(body)}\n{text}");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), $"body #{i}: {Preview(body)}\n{text}");
            }
        }

        TestContext.Out.WriteLine(string.Join(", ", counts.Select(c => $"{(int)c.Key}: {c.Value}")));
        Assert.That(counts.Keys, Is.SupersetOf(new[] { HttpStatusCode.OK, HttpStatusCode.BadRequest, HttpStatusCode.UnprocessableEntity }));
    }

    private static byte[] Mutate(Random random, string valid)
    {
        switch (random.Next(10))
        {
            case 0:
                return Encoding.UTF8.GetBytes(valid);
            case 1:
                {
                    // Truncated anywhere.
                    var bytes = Encoding.UTF8.GetBytes(valid);
                    return bytes[..random.Next(bytes.Length)];
                }

            case 2:
                {
                    // Random bytes spliced in.
                    var bytes = Encoding.UTF8.GetBytes(valid);
                    for (var k = random.Next(1, 6); k > 0; k--)
                    {
                        bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                    }

                    return bytes;
                }

            case 3:
                {
                    var noise = new byte[random.Next(0, 200)];
                    random.NextBytes(noise);
                    return noise;
                }

            case 4:
                {
                    // Deep nesting, in a field or as the whole body.
                    var depth = random.Next(10, 5000);
                    var nested = new string('[', depth) + new string(']', random.Next(2) == 0 ? depth : 0);
                    return Encoding.UTF8.GetBytes(random.Next(2) == 0 ? nested : valid.TrimEnd('}') + ",\"amount\":" + nested + "}");
                }

            default:
                {
                    // Fields dropped, replaced by values of the wrong type or range, or duplicated; raw text, so any value can be sent.
                    var json = JsonNode.Parse(valid)!.AsObject();
                    var extra = new StringBuilder();
                    for (var k = random.Next(1, 4); k > 0; k--)
                    {
                        var field = s_fields[random.Next(s_fields.Length)];
                        var action = random.Next(3);
                        if (action != 2)
                        {
                            json.Remove(field);
                        }

                        if (action != 0)
                        {
                            extra.Append($",\"{field}\":{s_values[random.Next(s_values.Length)]}");
                        }
                    }

                    var text = json.ToJsonString();
                    return Encoding.UTF8.GetBytes(text.Length > 2 ? text.TrimEnd('}') + extra + "}" : "{" + extra.ToString().TrimStart(',') + "}");
                }
        }
    }

    private static string Preview(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        return text.Length <= 300 ? text : text[..300] + "...";
    }
}
