using System.Text.Json;
using System.Text.Json.Serialization;

namespace FraudStream.Core.Models;

/// <summary>
/// What a published model version says about itself (<c>metadata.json</c> beside the model file):
/// enough to load it safely, to refuse it when the pipeline cannot feed it, and to compare it
/// with the production model.
/// </summary>
public sealed record ModelMetadata
{
    /// <summary>Registry version, <c>YYYYMMDD_HHMMSS</c> in UTC.</summary>
    public required string Version { get; init; }

    /// <summary>When the trainer wrote it.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The feature pipeline the model was trained with: its version and feature names, in column order.</summary>
    public required PipelineSignature Pipeline { get; init; }

    /// <summary>File name of the model inside the version folder (<c>model.ubj</c> or <c>model.json</c>).</summary>
    public required string ModelFile { get; init; }

    /// <summary>Lower-case hex SHA-256 of the model file; loading refuses a file that does not match.</summary>
    public required string ModelSha256 { get; init; }

    /// <summary>Score at or above which a transaction is alerted.</summary>
    public required float Threshold { get; init; }

    /// <summary>How the threshold was chosen, in words (e.g. "best F1 on validation").</summary>
    public required string ThresholdRule { get; init; }

    /// <summary>Boosting rounds kept after early stopping.</summary>
    public int BestIteration { get; init; }

    /// <summary>XGBoost parameters the model was trained with.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Evaluation on the validation and test splits.</summary>
    public required ModelEvaluation Metrics { get; init; }

    /// <summary>What the model was trained on.</summary>
    public required TrainingDataSummary TrainingData { get; init; }

    /// <summary>Total gain per feature, largest first.</summary>
    public IReadOnlyDictionary<string, double> FeatureImportance { get; init; } = new Dictionary<string, double>();

    /// <summary>The binned distributions of the features and the score that drift is measured against; null for models trained before them (no drift is measured).</summary>
    public DriftReference? DriftReference { get; init; }

    /// <summary>The JSON settings of metadata.json: snake_case names, indented.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,

        // A name given twice is ambiguous (another reader may keep the other value): refuse it.
        AllowDuplicateProperties = false,
    };

    /// <summary>Serializes to metadata.json's form.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Parses metadata.json; throws <see cref="JsonException"/> when it is not one.</summary>
    public static ModelMetadata FromJson(string json) =>
        JsonSerializer.Deserialize<ModelMetadata>(json, JsonOptions)
        ?? throw new JsonException("metadata.json is empty.");
}

/// <summary>A feature pipeline's identity: a model can be fed only by a pipeline that produces these features.</summary>
/// <param name="Version">Pipeline version, e.g. "tx-v2".</param>
/// <param name="FeatureNames">Feature names in column order.</param>
/// <param name="History">How history was kept for the history features (pipeline tx-v2 on); null for tx-v1.</param>
public sealed record PipelineSignature(string Version, IReadOnlyList<string> FeatureNames, HistorySignature? History = null);

/// <summary>The history settings a model's features were computed with: a scorer keeping history otherwise refuses the model.</summary>
/// <param name="CardWindows">Per-card windows, e.g. "01:00:00", "1.00:00:00".</param>
/// <param name="EntityWindows">Per-merchant and per-terminal windows.</param>
/// <param name="Lateness">How late a transaction may be and still enter its card's history.</param>
/// <param name="MaxEventsPerCard">Most transactions a card's history keeps.</param>
/// <param name="MaxLabelsPerEntity">Most labels a merchant's or terminal's history keeps.</param>
public sealed record HistorySignature(
    IReadOnlyList<TimeSpan> CardWindows,
    IReadOnlyList<TimeSpan> EntityWindows,
    TimeSpan Lateness,
    int MaxEventsPerCard,
    int MaxLabelsPerEntity);

/// <summary>Metrics on the validation split (threshold chosen there) and the held-out test split.</summary>
public sealed record ModelEvaluation(SplitMetrics Validation, SplitMetrics Test);

/// <summary>How a model scores one split at its threshold.</summary>
/// <param name="Rows">Rows in the split.</param>
/// <param name="FraudRate">Share of fraud rows.</param>
/// <param name="RocAuc">Area under the ROC curve.</param>
/// <param name="PrAuc">Average precision (area under the precision-recall curve).</param>
/// <param name="Precision">Precision at the threshold.</param>
/// <param name="Recall">Recall at the threshold.</param>
/// <param name="F1">F1 at the threshold.</param>
/// <param name="TruePositives">Fraud alerted.</param>
/// <param name="FalsePositives">Genuine alerted.</param>
/// <param name="TrueNegatives">Genuine not alerted.</param>
/// <param name="FalseNegatives">Fraud missed.</param>
public sealed record SplitMetrics(
    int Rows,
    double FraudRate,
    double RocAuc,
    double PrAuc,
    double Precision,
    double Recall,
    double F1,
    int TruePositives,
    int FalsePositives,
    int TrueNegatives,
    int FalseNegatives);

/// <summary>The labelled data a model was trained on.</summary>
/// <param name="Source">File name of the input, or <c>kafka:&lt;topic&gt;</c> for transactions read from Kafka.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the input file (from Kafka: of the rows trained on, written as the labelled-transactions CSV).</param>
/// <param name="Rows">Rows read.</param>
/// <param name="FraudRate">Share of fraud rows.</param>
/// <param name="From">Earliest event time.</param>
/// <param name="To">Latest event time.</param>
/// <param name="TrainRows">Rows in the training split.</param>
/// <param name="ValidationRows">Rows in the validation split.</param>
/// <param name="TestRows">Rows in the test split.</param>
/// <param name="Splits">Each split's event-time range.</param>
/// <param name="Labels">When labels were taken as known: "label_time column", the fixed delay used, or how a stream's labels were joined.</param>
/// <param name="Window">For data read from Kafka: the event-time range asked for, from inclusive to exclusive; labels were taken as known at its end.</param>
public sealed record TrainingDataSummary(
    string Source,
    string Sha256,
    int Rows,
    double FraudRate,
    DateTimeOffset From,
    DateTimeOffset To,
    int TrainRows,
    int ValidationRows,
    int TestRows,
    SplitRanges? Splits = null,
    string? Labels = null,
    TimeRange? Window = null);

/// <summary>The event-time range of each split: the model learned from the first, chose its threshold on the second and was judged on the third.</summary>
public sealed record SplitRanges(TimeRange Train, TimeRange Validation, TimeRange Test);

/// <summary>Earliest and latest event time of a split (or a window's bounds).</summary>
public sealed record TimeRange(DateTimeOffset From, DateTimeOffset To);
