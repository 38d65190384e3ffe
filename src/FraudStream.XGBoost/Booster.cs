using System.Globalization;
using System.Runtime.InteropServices;
using FraudStream.XGBoost.ModelChecks;
using FraudStream.XGBoost.Native;

namespace FraudStream.XGBoost;

// This file: creation, loading, parameters, training and saving; Booster.Prediction.cs predicts, Booster.Metadata.cs
// reads and writes feature names, attributes and importance.
/// <summary>An XGBoost model (libxgboost's Booster): trained here or loaded from JSON/UBJSON, and predicting from spans.</summary>
/// <remarks>
/// <para>
/// <b>Concurrency.</b> The prediction methods (<see cref="PredictDense"/>, <see cref="PredictDenseMargin"/>,
/// <see cref="Predict"/>, <see cref="PredictContributions"/>) may run concurrently on one booster from any number of
/// threads, and FraudStream relies on that to share one booster among its scorer workers and the HTTP sidecar.
/// That is libxgboost's guarantee since 1.4 for tree models (gbtree and dart; not gblinear): in-place prediction
/// (XGBoosterPredictFromDense) is lock-free and DMatrix prediction takes a lock; each thread gets its own output
/// buffer, which these methods copy out before returning.
/// </para>
/// <para>
/// Everything that changes the booster — <see cref="UpdateOneIteration"/>, <see cref="SetParameter"/>,
/// <see cref="SetParameters"/>, the <see cref="ThreadCount"/> setter, <see cref="SetFeatureNames"/>,
/// <see cref="SetAttribute"/> — must not overlap any other call on the same booster: XGBoost leaves the result
/// undefined. The remaining reads (attributes, names, saving, evaluation) are not covered by XGBoost's guarantee either;
/// do them before sharing the booster or under your own lock. To change a model in service, load a new booster
/// and swap the reference: disposing the old one while a prediction is still running on it is safe, because the
/// native booster is freed only when the last native call using it returns.
/// </para>
/// <para>
/// <b>Failures.</b> Every native failure becomes an <see cref="XGBoostException"/> carrying XGBoost's text. Models are
/// checked in managed code before libxgboost parses them, because libxgboost 1.7.4 crashes or hangs on some damaged
/// models instead of reporting an error. A booster whose parameters XGBoost rejected, or whose boosting round failed,
/// refuses every later call: libxgboost 1.7.4 leaves it half-configured, and its next round crashes the process.
/// </para>
/// <para>
/// <b>Threads.</b> XGBoost's default is every core (OpenMP). Set <see cref="ThreadCount"/> (or pass threadCount when
/// loading) so predictions leave CPU for Kafka's own threads; with several scorer workers predicting concurrently,
/// 1 thread per prediction is usually right, since each concurrent call runs its own OpenMP team.
/// </para>
/// </remarks>
public sealed partial class Booster : IDisposable
{
    private readonly BoosterHandle _handle;
    private int _threadCount;

    // Set when XGBoost rejected this booster's configuration or failed a round: libxgboost 1.7.4 leaves the learner
    // half-configured then, and the next round crashes the process (measured with max_depth=-1 and eta=abc, even after
    // setting a valid value), so every later call is refused instead.
    private volatile string? _unusable;

    private Booster(BoosterHandle handle) => _handle = handle;

    /// <summary>
    /// Threads XGBoost uses for training and for each prediction (its "nthread" parameter); 0 = XGBoost's default, all cores.
    /// </summary>
    /// <remarks>Setting it reconfigures the booster: not while other threads predict.</remarks>
    public int ThreadCount
    {
        get => _threadCount;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            SetParameter("nthread", value.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Boosting rounds in the model; a prediction's iterationEnd may be at most this.</summary>
    public int BoostedRounds
    {
        get
        {
            ThrowIfUnusable();
            Check(XGBoostNative.BoosterBoostedRounds(_handle, out var rounds), "XGBoosterBoostedRounds", "XGBoost could not count the boosted rounds");
            return rounds;
        }
    }

    /// <summary>Number of features (columns) the model expects; 0 before training on an empty configuration.</summary>
    public int FeatureCount
    {
        get
        {
            ThrowIfUnusable();
            Check(XGBoostNative.BoosterGetNumFeature(_handle, out var features), "XGBoosterGetNumFeature", "XGBoost could not count the model's features");
            return checked((int)features);
        }
    }

    /// <summary>Creates an untrained booster that caches <paramref name="cache"/> (the training and evaluation matrices) for faster rounds.</summary>
    /// <exception cref="XGBoostException">XGBoost refused to create the booster.</exception>
    public static unsafe Booster Create(params DMatrix[] cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        var handles = new SafeHandle[cache.Length];
        for (var i = 0; i < cache.Length; i++)
        {
            handles[i] = (cache[i] ?? throw new ArgumentException($"Cache matrix {i} is null.", nameof(cache))).Handle;
        }

        using var references = HandleReferences.Acquire(handles);
        BoosterHandle handle;
        int result;
        fixed (nint* matrices = references.Pointers)
        {
            result = XGBoostNative.BoosterCreate(matrices, (ulong)cache.Length, out handle);
        }

        if (result != 0)
        {
            handle.Dispose();
            throw Failure("XGBoosterCreate", "XGBoost could not create a booster");
        }

        var booster = new Booster(handle);
        try
        {
            // The C API does not carry the training matrix's names into the model; XGBoost's Python package copies them too.
            if (cache.Length > 0 && cache[0].GetFeatureNames() is { Count: > 0 } names)
            {
                booster.SetFeatureNamesUnchecked(names);
            }
        }
        catch
        {
            booster.Dispose();
            throw;
        }

        return booster;
    }

    /// <summary>Loads a model saved as JSON or UBJSON; like XGBoost, the file's extension (.json or .ubj) says which.</summary>
    /// <param name="path">The model file.</param>
    /// <param name="threadCount">Sets <see cref="ThreadCount"/> when above 0.</param>
    /// <exception cref="XGBoostException">The file is not named .json or .ubj, is damaged or truncated, or XGBoost refused it.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static Booster LoadModel(string path, int threadCount = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfNegative(threadCount);
        var format = ModelDocument.FormatOfPath(path) ?? throw new XGBoostException(
            $"Cannot load '{path}': XGBoost model files are named .json or .ubj, and XGBoost picks the format by that extension. "
            + "The deprecated binary format is not supported; re-save the model as .ubj.");

        // Read once and load from memory, so what was validated is exactly what XGBoost parses.
        var model = File.ReadAllBytes(path);
        return Load(model, format, $"The model file '{path}'", threadCount);
    }

    /// <summary>Loads a model from bytes saved as JSON or UBJSON (<see cref="SaveModelToBuffer"/>, Python's save_raw); the content says which.</summary>
    /// <param name="model">The serialized model.</param>
    /// <param name="threadCount">Sets <see cref="ThreadCount"/> when above 0.</param>
    /// <exception cref="XGBoostException">The bytes are not a JSON/UBJSON model, are damaged or truncated, or XGBoost refused them.</exception>
    public static Booster LoadModelFromBuffer(ReadOnlySpan<byte> model, int threadCount = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threadCount);
        return Load(model, expected: null, "The model buffer", threadCount);
    }

    /// <summary>Sets one XGBoost parameter (e.g. "max_depth", "6") and checks it at once.</summary>
    /// <remarks>
    /// XGBoost itself only validates parameters when it next configures the learner (at the first boosting round or
    /// prediction); this configures it straight away, so a bad value fails here, with XGBoost's message. Parameters
    /// that are only valid together (a multi-class objective and num_class) go through <see cref="SetParameters"/>.
    /// After a rejection the booster refuses further use (libxgboost 1.7.4 crashes on the next round even after a valid
    /// value is set): create a new one. Unknown names are accepted by XGBoost with a warning on stderr.
    /// </remarks>
    /// <exception cref="XGBoostException">XGBoost rejected the value (the message carries XGBoost's reason).</exception>
    public void SetParameter(string name, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        ThrowIfUnusable();
        Check(XGBoostNative.BoosterSetParam(_handle, name, value), "XGBoosterSetParam", $"XGBoost rejected parameter {name}={value}");
        Track(name, value);
        Configure($"XGBoost rejected parameter {name}={value}");
    }

    /// <summary>Sets several parameters, then checks them together (see <see cref="SetParameter"/>).</summary>
    /// <exception cref="XGBoostException">XGBoost rejected a value (the message carries XGBoost's reason).</exception>
    public void SetParameters(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ThrowIfUnusable();
        var set = new List<string>();
        foreach (var (name, value) in parameters)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name, nameof(parameters));
            ArgumentNullException.ThrowIfNull(value, nameof(parameters));
            Check(XGBoostNative.BoosterSetParam(_handle, name, value), "XGBoosterSetParam", $"XGBoost rejected parameter {name}={value}");
            set.Add($"{name}={value}");
            Track(name, value);
        }

        Configure($"XGBoost rejected the parameters {string.Join(", ", set)}");
    }

    /// <summary>Runs boosting round <paramref name="iteration"/> (0, 1, 2, ...) on <paramref name="train"/>, which needs labels.</summary>
    /// <remarks>After a failed round the booster refuses further use: libxgboost 1.7 does not reliably recover.</remarks>
    /// <exception cref="XGBoostException">XGBoost failed the round, e.g. the matrix has no labels, or the booster is unusable.</exception>
    public void UpdateOneIteration(int iteration, DMatrix train)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(iteration);
        ArgumentNullException.ThrowIfNull(train);
        ThrowIfUnusable();
        if (XGBoostNative.BoosterUpdateOneIter(_handle, iteration, train.Handle) != 0)
        {
            var failure = Failure("XGBoosterUpdateOneIter", $"XGBoost could not run boosting round {iteration}");
            _unusable = failure.Message;
            throw failure;
        }
    }

    /// <summary>
    /// Evaluates the eval_metric parameter's metrics on each named set, as XGBoost's line "[iteration]\tname-metric:value...";
    /// <see cref="EvaluationResult.Parse"/> (or <see cref="Evaluate"/>) turns it into values.
    /// </summary>
    /// <exception cref="ArgumentException">No sets, or a name that is empty or contains whitespace or ':' (the line could not be parsed back).</exception>
    /// <exception cref="XGBoostException">XGBoost could not evaluate, e.g. a set has no labels.</exception>
    public unsafe string EvaluateOneIteration(int iteration, IReadOnlyList<(DMatrix Data, string Name)> sets)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(iteration);
        ArgumentNullException.ThrowIfNull(sets);
        if (sets.Count == 0)
        {
            throw new ArgumentException("Give at least one evaluation set.", nameof(sets));
        }

        var handles = new SafeHandle[sets.Count];
        var names = new string[sets.Count];
        for (var i = 0; i < sets.Count; i++)
        {
            var (data, name) = sets[i];
            handles[i] = (data ?? throw new ArgumentException($"Evaluation set {i} has no matrix.", nameof(sets))).Handle;
            if (string.IsNullOrEmpty(name) || name.Any(c => char.IsWhiteSpace(c) || c is ':' or '\0'))
            {
                throw new ArgumentException($"Evaluation set name '{name}' must be non-empty, without whitespace or ':'.", nameof(sets));
            }

            names[i] = name;
        }

        ThrowIfUnusable();
        using var references = HandleReferences.Acquire(handles);
        using var encodedNames = new Utf8StringArray(names);
        nint result;
        fixed (nint* matrices = references.Pointers)
        fixed (nint* namePointers = encodedNames.Pointers)
        {
            Check(XGBoostNative.BoosterEvalOneIter(_handle, iteration, matrices, (byte**)namePointers, (ulong)names.Length, out result),
                "XGBoosterEvalOneIter", $"XGBoost could not evaluate round {iteration}");
        }

        return Marshal.PtrToStringUTF8(result) ?? string.Empty;
    }

    /// <summary><see cref="EvaluateOneIteration"/>, parsed: metric values keyed "set-metric", e.g. "validation-aucpr".</summary>
    public EvaluationResult Evaluate(int iteration, IReadOnlyList<(DMatrix Data, string Name)> sets) =>
        EvaluationResult.Parse(EvaluateOneIteration(iteration, sets));

    /// <summary>Saves the model to a file; like XGBoost, the extension (.json or .ubj) picks the format.</summary>
    /// <remarks>The file is written next to its final name and then renamed over it, so a reader never sees half a model.</remarks>
    /// <exception cref="XGBoostException">The extension is not .json or .ubj, or XGBoost could not serialize the model.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void SaveModel(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var format = ModelDocument.FormatOfPath(path) ?? throw new XGBoostException(
            $"Cannot save to '{path}': name the file .json or .ubj, the extension picks XGBoost's format.");
        var model = SaveModelToBuffer(format);
        var temporary = $"{path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
        try
        {
            File.WriteAllBytes(temporary, model);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Serializes the model (trees, objective, feature names, attributes; not training parameters like nthread).</summary>
    /// <exception cref="XGBoostException">XGBoost could not serialize the model.</exception>
    public unsafe byte[] SaveModelToBuffer(ModelFormat format)
    {
        var config = format switch
        {
            ModelFormat.Json => "{\"format\":\"json\"}\0"u8,
            ModelFormat.Ubjson => "{\"format\":\"ubj\"}\0"u8,
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown model format."),
        };

        ThrowIfUnusable();
        fixed (byte* configText = config)
        {
            Check(XGBoostNative.BoosterSaveModelToBuffer(_handle, configText, out var length, out var buffer),
                "XGBoosterSaveModelToBuffer", $"XGBoost could not serialize the model as {format}");
            return new ReadOnlySpan<byte>(buffer, checked((int)length)).ToArray();
        }
    }

    /// <summary>Frees the native booster once no native call is using it.</summary>
    public void Dispose() => _handle.Dispose();

    private static unsafe Booster Load(ReadOnlySpan<byte> model, ModelFormat? expected, string source, int threadCount)
    {
        var document = ModelDocument.Prepare(model, expected, source);
        var booster = Create();
        try
        {
            fixed (byte* bytes = document)
            {
                Check(XGBoostNative.BoosterLoadModelFromBuffer(booster._handle, bytes, (ulong)document.Length),
                    "XGBoosterLoadModelFromBuffer", $"{source} is not a model XGBoost can load");
            }

            if (threadCount > 0)
            {
                booster.ThreadCount = threadCount;
            }
            else
            {
                // Configure now rather than inside the first (possibly concurrent) prediction.
                booster.Configure($"{source} loaded but XGBoost could not configure it");
            }

            return booster;
        }
        catch
        {
            booster.Dispose();
            throw;
        }
    }

    private static XGBoostException Failure(string function, string message) => new(message, function, XGBoostNative.LastError());

    private static void Check(int result, string function, string message)
    {
        if (result != 0)
        {
            throw Failure(function, message);
        }
    }

    /// <summary>Makes XGBoost configure the learner now, which validates every parameter set so far.</summary>
    private unsafe void Configure(string message)
    {
        if (XGBoostNative.BoosterSaveJsonConfig(_handle, out _, out _) != 0)
        {
            var failure = Failure("XGBoosterSaveJsonConfig", message);
            _unusable = failure.Message;
            throw failure;
        }
    }

    private void ThrowIfUnusable()
    {
        if (_unusable is { } reason)
        {
            throw new XGBoostException(
                $"This booster cannot be used any more because an earlier call failed ({reason}). libxgboost 1.7 does not "
                + "recover from that (its next round can crash the process): create a new booster with valid parameters.");
        }
    }

    private void Track(string name, string value)
    {
        if (name == "nthread" && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var threads))
        {
            _threadCount = threads;
        }
    }
}
