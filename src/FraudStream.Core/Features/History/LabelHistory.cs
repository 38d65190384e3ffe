using FraudStream.Core.Transactions;

namespace FraudStream.Core.Features.History;

/// <summary>
/// What the labels (chargebacks, analysts' confirmations) say about each merchant and terminal: per entity, the labelled
/// transactions with their event and label times. Every scorer instance reads the whole labels topic into one of these,
/// so every instance has the same view whichever cards it owns; the trainer fills one in label-time order.
/// </summary>
/// <remarks>
/// A query at time t counts a label only when its label time is at or before t and its transaction happened in the
/// window before t: a label says nothing about what was scored before it was known. The features therefore depend on
/// the labels alone, not on which instance scores a transaction or in which order partitions arrive.
/// </remarks>
public sealed class LabelHistory(HistorySettings settings)
{
    /// <summary>
    /// Entity features per merchant or terminal, over each entity window: labelled, frauds and fraud share by the
    /// transactions' event time; then labels and frauds reported (by label time) in the window.
    /// </summary>
    public const int FeaturesPerEntity = 15;

    private readonly Dictionary<string, EntityLabels> _merchants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EntityLabels> _terminals = new(StringComparer.Ordinal);
    private readonly HistorySettings _settings = settings ?? throw new ArgumentNullException(nameof(settings));
    private long _newestQueryMs = long.MinValue;

    /// <summary>Labels held.</summary>
    public long Count { get; private set; }

    /// <summary>Bytes the held labels take in memory, approximately, for the state-size metric.</summary>
    public long MemoryBytes => (Count * EntityLabels.EntryBytes) + ((_merchants.Count + _terminals.Count) * 96L);

    /// <summary>Takes a label in; its merchant's and terminal's history count it for transactions from its label time on.</summary>
    public void Add(FraudLabel label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var entry = new LabelEntry(label.LabelTime.ToUnixTimeMilliseconds(), label.EventTime.ToUnixTimeMilliseconds(), label.IsFraud);
        Count += Entity(_merchants, label.MerchantId).Add(entry, Horizon, _settings.MaxLabelsPerEntity);
        if (!string.IsNullOrEmpty(label.TerminalId))
        {
            Count += Entity(_terminals, label.TerminalId).Add(entry, Horizon, _settings.MaxLabelsPerEntity);
        }
    }

    /// <summary>Writes the terminal's then the merchant's features of <paramref name="t"/> (2 × <see cref="FeaturesPerEntity"/>).</summary>
    public void Compute(Transaction t, Span<float> row)
    {
        ArgumentNullException.ThrowIfNull(t);
        var time = t.EventTime.ToUnixTimeMilliseconds();
        _newestQueryMs = Math.Max(_newestQueryMs, time);
        Query(string.IsNullOrEmpty(t.TerminalId) ? null : _terminals.GetValueOrDefault(t.TerminalId), time, row[..FeaturesPerEntity]);
        Query(_merchants.GetValueOrDefault(t.MerchantId), time, row.Slice(FeaturesPerEntity, FeaturesPerEntity));
    }

    /// <summary>Labels whose transactions are older than this can no longer fall in a window of any transaction within the lateness bound.</summary>
    private long Horizon => _newestQueryMs == long.MinValue
        ? long.MinValue
        : _newestQueryMs - (long)(HistorySettings.Retention + _settings.Lateness).TotalMilliseconds;

    private static EntityLabels Entity(Dictionary<string, EntityLabels> entities, string id)
    {
        if (!entities.TryGetValue(id, out var entity))
        {
            entity = new EntityLabels();
            entities[id] = entity;
        }

        return entity;
    }

    /// <summary>
    /// All NaN for an entity no label known by <paramref name="time"/> has named: missing history is missing, not zero. A
    /// label held but known only later (a scorer catching up reads labels ahead of the transactions) must not turn
    /// missing into zero, or the scorer would see what the trainer's replay, taking labels in at their label time, does not.
    /// </summary>
    private static void Query(EntityLabels? entity, long time, Span<float> row)
    {
        if (entity is null || entity.FirstLabelTimeMs > time)
        {
            row.Fill(float.NaN);
            return;
        }

        var windows = HistorySettings.EntityWindowMs;
        Span<int> labelled = stackalloc int[windows.Length];
        Span<int> frauds = stackalloc int[windows.Length];
        Span<int> reported = stackalloc int[windows.Length];
        Span<int> fraudsReported = stackalloc int[windows.Length];
        foreach (ref readonly var e in entity.Entries)
        {
            if (e.LabelTimeMs > time || e.EventTimeMs > time)
            {
                continue;
            }

            // By event time: what is known now about the transactions of the window. By label time: what was learned in
            // the window; with labels coming days late, the only way to see a compromise that is recent but not over.
            var age = time - e.EventTimeMs;
            var reportAge = time - e.LabelTimeMs;
            for (var w = 0; w < windows.Length; w++)
            {
                var window = windows[w];
                if (age < window)
                {
                    labelled[w]++;
                    frauds[w] += e.IsFraud ? 1 : 0;
                }

                if (reportAge < window)
                {
                    reported[w]++;
                    fraudsReported[w] += e.IsFraud ? 1 : 0;
                }
            }
        }

        var n = windows.Length;
        for (var w = 0; w < n; w++)
        {
            row[w] = labelled[w];
            row[n + w] = frauds[w];
            row[(2 * n) + w] = labelled[w] > 0 ? frauds[w] / (float)labelled[w] : float.NaN;
            row[(3 * n) + w] = reported[w];
            row[(4 * n) + w] = reported[w] > 0 ? fraudsReported[w] / (float)reported[w] : float.NaN;
        }
    }

    private readonly record struct LabelEntry(long LabelTimeMs, long EventTimeMs, bool IsFraud);

    /// <summary>One merchant's or terminal's labels, in arrival order.</summary>
    private sealed class EntityLabels
    {
        public const int EntryBytes = 24;

        private LabelEntry[] _entries = new LabelEntry[2];
        private int _count;

        public ReadOnlySpan<LabelEntry> Entries => _entries.AsSpan(0, _count);

        /// <summary>The earliest label time taken in (kept when its entry is forgotten): before it, nothing was known here.</summary>
        public long FirstLabelTimeMs { get; private set; } = long.MaxValue;

        /// <returns>The change in the number of labels held.</returns>
        public int Add(LabelEntry entry, long horizonMs, int max)
        {
            var before = _count;
            FirstLabelTimeMs = Math.Min(FirstLabelTimeMs, entry.LabelTimeMs);
            if (_count == _entries.Length)
            {
                // Full: first forget what no window can reach any more, then grow.
                Forget(horizonMs, max - 1);
                if (_count == _entries.Length)
                {
                    Array.Resize(ref _entries, _entries.Length * 2);
                }
            }

            _entries[_count++] = entry;
            return _count - before;
        }

        private void Forget(long horizonMs, int keep)
        {
            var kept = 0;
            for (var i = 0; i < _count; i++)
            {
                if (_entries[i].EventTimeMs >= horizonMs)
                {
                    _entries[kept++] = _entries[i];
                }
            }

            if (kept > keep)
            {
                Array.Copy(_entries, kept - keep, _entries, 0, keep);
                kept = keep;
            }

            _count = kept;
        }
    }
}
