using System.Net;
using System.Text;

namespace HaWitness.Lab.Tests.Operator;

/// <summary>
/// What a foreign page can make a browser send with the admin's cached Basic credentials, against
/// a real appliance with real sim agents: refused before it runs, and the cluster is unchanged.
/// </summary>
public sealed class BrowserAttackTests(OperatorLab lab) : IClassFixture<OperatorLab>
{
    [Fact]
    public async Task FormsTextAndCrossSiteRequests_ToThePathStyleRoutes_AreRefused_AndNothingChanges()
    {
        var attacks = new (Func<HttpContent?> Body, string? Header, string? Value, HttpStatusCode Expected)[]
        {
            (() => new FormUrlEncodedContent(new Dictionary<string, string> { ["x"] = "1" }), null, null, HttpStatusCode.UnsupportedMediaType),
            (() => new StringContent("x", Encoding.UTF8, "text/plain"), null, null, HttpStatusCode.UnsupportedMediaType),
            (() => new StringContent("x", Encoding.UTF8, "multipart/form-data"), null, null, HttpStatusCode.UnsupportedMediaType),
            (() => null, "Origin", "http://evil.example", HttpStatusCode.Forbidden),
            (() => new FormUrlEncodedContent(new Dictionary<string, string> { ["x"] = "1" }), "Origin", "null", HttpStatusCode.Forbidden),
            (() => null, "Sec-Fetch-Site", "cross-site", HttpStatusCode.Forbidden),
        };
        foreach (string path in new[] { "/api/v1/vms/host-a-vm01/ha/off", "/api/v1/vms/host-a-vm01/priority/low", "/api/v1/maintenance/host-a/enter" })
        {
            foreach (var (body, header, value, expected) in attacks)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(lab.Url, path)) { Content = body() };
                if (header is not null)
                {
                    request.Headers.TryAddWithoutValidation(header, value);
                }

                var response = await lab.Admin.SendAsync(request);
                Assert.True(expected == response.StatusCode, $"{path} {request.Content?.Headers.ContentType} {header}: {value}: {(int)response.StatusCode}");
            }
        }

        var vm = await lab.GetJsonAsync("/api/v1/vms/host-a-vm01");
        Assert.True(vm.GetProperty("ha").GetBoolean(), "HA still on");
        Assert.False(string.Equals("low", vm.GetProperty("priority").GetString(), StringComparison.OrdinalIgnoreCase), "priority unchanged");
        Assert.NotEqual("maintenance", (await lab.GetJsonAsync("/api/v1/hosts/host-a")).GetProperty("state").GetString());
    }
}
