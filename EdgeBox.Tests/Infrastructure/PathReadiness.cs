using System.Diagnostics;
using System.Text.Json;

namespace EdgeBox.Tests.Infrastructure;

/// <summary>Waits, through the REST API, until a publisher's path is ready and has received frames.</summary>
internal static class PathReadiness
{
    public static async Task WaitAsync(HttpClient http, Uri api, string path, ExternalProcess publisher, EdgeBoxProcess server)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            using var response = await http.GetAsync(new Uri(api, $"/api/v1/paths/{path}"));
            if (response.IsSuccessStatusCode)
            {
                var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                if (json.GetProperty("state").GetString() == "ready" && json.GetProperty("framesIn").GetInt64() > 30)
                {
                    return;
                }
            }

            Assert.False(publisher.HasExited, "the publisher exited: " + publisher.StandardError + "\n" + server.Output);
            await Task.Delay(100);
        }

        throw new TimeoutException($"path {path} did not become ready:\n{publisher.StandardError}\n{server.Output}");
    }
}
