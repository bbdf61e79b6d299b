using System.Diagnostics.Metrics;
using HaWitness.Operator.Metrics;

namespace HaWitness.Operator.Tests.Metrics;

public sealed class PrometheusExporterTests
{
    [Fact]
    public void Exports_CountersGaugesAndCumulativeHistograms_InTheTextFormat()
    {
        using var meter = new Meter("test-" + Guid.NewGuid());
        var counter = meter.CreateCounter<long>("x_total", description: "things");
        var hist = meter.CreateHistogram("x_seconds", unit: "s", description: "latency", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1, 2] });
        int gauge = 3;
        meter.CreateObservableGauge("x_items", () => new Measurement<long>(gauge, new KeyValuePair<string, object?>("state", "a\"b")), description: "items");
        using var exporter = new PrometheusExporter(meter);

        counter.Add(2, new KeyValuePair<string, object?>("outcome", "ok"));
        counter.Add(3, new KeyValuePair<string, object?>("outcome", "ok"));
        hist.Record(0.7);
        hist.Record(1.5);
        hist.Record(9);
        string text = exporter.Scrape();
        gauge = 4;
        string again = exporter.Scrape();

        Assert.Contains("# TYPE x_total counter\nx_total{outcome=\"ok\"} 5\n", text, StringComparison.Ordinal);
        Assert.Contains("# HELP x_seconds latency\n# TYPE x_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("x_seconds_bucket{le=\"0.5\"} 0\nx_seconds_bucket{le=\"1\"} 1\nx_seconds_bucket{le=\"2\"} 2\nx_seconds_bucket{le=\"+Inf\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("x_seconds_sum 11.2\nx_seconds_count 3\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE x_items gauge\nx_items{state=\"a\\\"b\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("x_items{state=\"a\\\"b\"} 4\n", again, StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyTheGivenMetersInstruments_AreExported()
    {
        using var ours = new Meter("ours");
        using var theirs = new Meter("ours"); // same name, another meter
        ours.CreateCounter<long>("mine_total").Add(1);
        theirs.CreateCounter<long>("not_mine_total").Add(1);
        using var exporter = new PrometheusExporter(ours);

        string text = exporter.Scrape();

        Assert.Contains("mine_total", text, StringComparison.Ordinal);
        Assert.DoesNotContain("not_mine_total", text, StringComparison.Ordinal);
    }
}
