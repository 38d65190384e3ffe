namespace FraudStream.Core.Features.History;

/// <summary>How a batch writes a changed card to the card history changelog (<c>Scorer:HistoryChangelog</c>). Each reads what the others wrote.</summary>
public enum ChangelogLayout
{
    /// <summary>One record a card, its whole history: restore reads one record a card; a batch writes the whole history of each card it changed.</summary>
    Whole,

    /// <summary>One record per day of event time a batch changed, a tombstone for a day forgotten: small writes; restore reads a record for every day a card has history.</summary>
    Daily,

    /// <summary>
    /// The whole history at a card's first change and then every <see cref="CardHistory.DeltasPerWhole"/>+1st; in between, the
    /// transactions a batch added (a delta record in the next of <see cref="CardHistory.DeltasPerWhole"/> slots). Restore
    /// reads at most that many records a card more than <see cref="Whole"/>.
    /// </summary>
    Delta,
}
