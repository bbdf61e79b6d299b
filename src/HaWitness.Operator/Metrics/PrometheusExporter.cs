using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace HaWitness.Operator.Metrics;

/// <summary>
/// The smallest exporter from <see cref="System.Diagnostics.Metrics"/> to the Prometheus text
/// format (0.0.4) that HaWitness needs: counters (summed per label set), histograms (cumulative
/// buckets from the instrument's advice, <c>_sum</c>, <c>_count</c>) and observable gauges (read
/// at scrape time). Only the instruments of one <see cref="Meter"/> are exported; instrument names
/// are already Prometheus names, so nothing is renamed.
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";
    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private readonly Meter _meter;
    private readonly MeterListener _listener = new();
    private readonly List<Instrument> _instruments = [];
    private readonly Dictionary<(Instrument, string), Series> _series = [];
    private readonly object _gate = new();

    public PrometheusExporter(Meter meter)
    {
        _meter = meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, _meter))
            {
                lock (_gate)
                {
                    _instruments.Add(instrument);
                }

                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments and writes every series.</summary>
    public string Scrape()
    {
        lock (_gate)
        {
            foreach (var key in _series.Where(kv => kv.Key.Item1.IsObservable).Select(kv => kv.Key).ToList())
            {
                _series.Remove(key);
            }

            _listener.RecordObservableInstruments();
            var sb = new StringBuilder(4096);
            foreach (var instrument in _instruments)
            {
                string type = instrument switch
                {
                    Histogram<double> => "histogram",
                    Counter<long> or Counter<double> or ObservableCounter<long> or ObservableCounter<double> => "counter",
                    _ => "gauge",
                };
                sb.Append("# HELP ").Append(instrument.Name).Append(' ').Append(instrument.Description?.Replace("\n", " ", StringComparison.Ordinal)).Append('\n');
                sb.Append("# TYPE ").Append(instrument.Name).Append(' ').Append(type).Append('\n');
                foreach (var (labels, series) in _series.Where(kv => kv.Key.Item1 == instrument).Select(kv => (kv.Key.Item2, kv.Value)).OrderBy(x => x.Item1, StringComparer.Ordinal))
                {
                    Write(sb, instrument.Name, labels, series);
                }
            }

            return sb.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string labels = Labels(tags);
        lock (_gate)
        {
            if (!_series.TryGetValue((instrument, labels), out var s))
            {
                var bounds = instrument is Histogram<double> hist ? hist.Advice?.HistogramBucketBoundaries?.ToArray() ?? DefaultBuckets : null;
                s = new Series(bounds);
                _series[(instrument, labels)] = s;
            }

            if (s.Bounds is { } b)
            {
                s.Count++;
                s.Value += value;
                for (int i = 0; i < b.Length; i++)
                {
                    if (value <= b[i])
                    {
                        s.Buckets![i]++;
                    }
                }
            }
            else if (instrument.IsObservable || instrument is not (Counter<long> or Counter<double>))
            {
                s.Value = value;
            }
            else
            {
                s.Value += value;
            }
        }
    }

    private static void Write(StringBuilder sb, string name, string labels, Series s)
    {
        if (s.Bounds is null)
        {
            sb.Append(name).Append(labels).Append(' ').Append(Format(s.Value)).Append('\n');
            return;
        }

        string inner = labels.Length == 0 ? string.Empty : labels[1..^1] + ",";
        for (int i = 0; i < s.Bounds.Length; i++)
        {
            sb.Append(name).Append("_bucket{").Append(inner).Append("le=\"").Append(Format(s.Bounds[i])).Append("\"} ").Append(s.Buckets![i].ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        sb.Append(name).Append("_bucket{").Append(inner).Append("le=\"+Inf\"} ").Append(s.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(name).Append("_sum").Append(labels).Append(' ').Append(Format(s.Value)).Append('\n');
        sb.Append(name).Append("_count").Append(labels).Append(' ').Append(s.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return string.Empty;
        }

        var pairs = new List<KeyValuePair<string, object?>>(tags.Length);
        foreach (var t in tags)
        {
            pairs.Add(t);
        }

        pairs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        var sb = new StringBuilder("{");
        foreach (var (key, value) in pairs)
        {
            if (sb.Length > 1)
            {
                sb.Append(',');
            }

            sb.Append(key).Append("=\"").Append(Escape(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty)).Append('"');
        }

        return sb.Append('}').ToString();
    }

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Format(double v) =>
        double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf" : double.IsNaN(v) ? "NaN" : v.ToString("R", CultureInfo.InvariantCulture);

    private sealed class Series(double[]? bounds)
    {
        public double[]? Bounds { get; } = bounds;
        public long[]? Buckets { get; } = bounds is null ? null : new long[bounds.Length];
        public double Value { get; set; }
        public long Count { get; set; }
    }
}
