using System.Diagnostics;

namespace FraudStream.Streaming.Telemetry;

/// <summary>
/// The scorer's spans: one per batch, from its hand-off to processing until its transaction commits or aborts, with
/// the batch's record count, an event for the commit or the abort (and its reason), and an error status on abort.
/// </summary>
/// <remarks>
/// Nobody listens unless a tracer provider subscribes to <see cref="SourceName"/> (the CLI does when an OTLP
/// collector is configured): a batch then costs one listener check and no allocation.
/// </remarks>
public static class ScorerTracing
{
    /// <summary>The ActivitySource's name, for a TracerProvider's AddSource.</summary>
    public const string SourceName = "FraudStream.Scorer";

    private static readonly ActivitySource s_source = new(SourceName);

    /// <summary>
    /// Starts a batch's span, or returns null when nobody listens. The span outlives this call on other threads, so
    /// it is not left as the calling thread's current activity.
    /// </summary>
    internal static Activity? StartBatch(string topic, int records)
    {
        if (!s_source.HasListeners())
        {
            return null;
        }

        var previous = Activity.Current;
        var activity = s_source.StartActivity("process " + topic, ActivityKind.Consumer);
        Activity.Current = previous;
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "kafka");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", topic);
            activity.SetTag("messaging.batch.message_count", records);
        }

        return activity;
    }

    /// <summary>The batch's transaction committed, with <paramref name="deadLettered"/> of its records sent to the dead-letter topic.</summary>
    internal static void Committed(Activity? batch, int deadLettered)
    {
        if (batch is null)
        {
            return;
        }

        batch.SetTag("fraudstream.records.dead_lettered", deadLettered);
        batch.AddEvent(new ActivityEvent("committed"));
        batch.SetStatus(ActivityStatusCode.Ok);
    }

    /// <summary>The batch's transaction was aborted (or its outcome is unknown): its records are redone.</summary>
    internal static void Aborted(Activity? batch, string reason)
    {
        if (batch is null)
        {
            return;
        }

        batch.AddEvent(new ActivityEvent("aborted", tags: new ActivityTagsCollection { ["reason"] = reason }));
        batch.SetStatus(ActivityStatusCode.Error, "transaction aborted: " + reason);
    }
}
