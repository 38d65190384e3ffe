using FraudStream.Training.Evaluation;

namespace FraudStream.Training.Tests;

public sealed class LiveAccuracyTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_day = TimeSpan.FromDays(1);

    [Test]
    public void Precision_recall_alert_rate_and_coverage_count_labels_known_by_now_and_matured_genuines()
    {
        // Arrange: maturity 2 days. Old transactions (3 days ago): a fraud alerted, a fraud missed, a genuine alerted,
        // two unlabelled (genuine by maturity), one of them alerted. Recent (1 hour ago): a labelled fraud alerted,
        // an unlabelled one (unknown), and a label that only comes after "now" (unknown now).
        var live = new LiveAccuracy(TimeSpan.FromDays(2));
        var old = s_now - TimeSpan.FromDays(3);
        var recent = s_now - TimeSpan.FromHours(1);
        void Add(string id, float score, DateTimeOffset at) => live.Score("v1", id, score, 0.5f, at);
        Add("f-hit", 0.9f, old);
        Add("f-miss", 0.2f, old);
        Add("g-alert", 0.7f, old);
        Add("u-quiet", 0.1f, old);
        Add("u-alert", 0.6f, old);
        Add("r-fraud", 0.8f, recent);
        Add("r-unknown", 0.3f, recent);
        Add("r-late", 0.95f, recent);
        live.Label("f-hit", true, old, old + s_day);
        live.Label("f-miss", true, old, old + s_day);
        live.Label("g-alert", false, old, old + s_day);
        live.Label("r-fraud", true, recent, recent + TimeSpan.FromMinutes(10));
        live.Label("r-late", true, recent, s_now + TimeSpan.FromMinutes(1));

        // Act
        var week = live.Report(s_now, [TimeSpan.FromDays(7)]).Single();
        var day = live.Report(s_now, [s_day]).Single();

        // Assert: known = 5 old + r-fraud; alerts among known: f-hit, g-alert, u-alert, r-fraud.
        Assert.Multiple(() =>
        {
            Assert.That((week.Scored, week.Alerts, week.Known, week.Frauds, week.TruePositives, week.FalsePositives), Is.EqualTo((8, 5, 6, 3, 2, 2)));
            Assert.That(week.Precision, Is.EqualTo(0.5));
            Assert.That(week.Recall, Is.EqualTo(2 / 3.0));
            Assert.That(week.AlertRate, Is.EqualTo(5 / 8.0));
            Assert.That(week.LabelCoverage, Is.EqualTo(6 / 8.0));
            Assert.That((day.Scored, day.Known, day.Frauds, day.TruePositives), Is.EqualTo((3, 1, 1, 1)), "the day window holds the recent three");
        });
    }

    [Test]
    public void PR_AUC_is_the_average_precision_of_the_known_transactions_scores()
    {
        var live = new LiveAccuracy(TimeSpan.Zero);
        var at = s_now - TimeSpan.FromHours(2);
        float[] scores = [0.9f, 0.8f, 0.7f, 0.6f, 0.2f];
        bool[] frauds = [true, false, true, false, false];
        for (var i = 0; i < scores.Length; i++)
        {
            live.Score("v1", $"t{i}", scores[i], 0.5f, at);
            if (frauds[i])
            {
                live.Label($"t{i}", true, at, at);
            }
        }

        var report = live.Report(s_now, [s_day]).Single();

        // Ranked: fraud (P=1), genuine, fraud (P=2/3): AP = (1 + 2/3) / 2.
        Assert.That(report.PrAuc, Is.EqualTo((1 + (2 / 3.0)) / 2).Within(1e-12));
    }

    [Test]
    public void Each_version_is_reported_on_its_own_scores_with_its_own_threshold()
    {
        var live = new LiveAccuracy(TimeSpan.Zero);
        var at = s_now - TimeSpan.FromHours(1);
        live.Score("prod", "a", 0.6f, 0.5f, at);
        live.Score("prod", "b", 0.4f, 0.5f, at);
        live.Score("challenger", "a", 0.6f, 0.7f, at);
        live.Score("challenger", "b", 0.8f, 0.7f, at);
        live.Label("b", true, at, at);

        var reports = live.Report(s_now, [s_day]).ToDictionary(r => r.Version);

        Assert.Multiple(() =>
        {
            Assert.That((reports["prod"].TruePositives, reports["prod"].FalsePositives), Is.EqualTo((0, 1)));
            Assert.That((reports["challenger"].TruePositives, reports["challenger"].FalsePositives), Is.EqualTo((1, 0)));
            Assert.That(reports.Keys, Is.EqualTo(new[] { "challenger", "prod" }), "ordinal order");
        });
    }

    [Test]
    public void The_latest_label_wins_and_forgetting_drops_old_transactions()
    {
        var live = new LiveAccuracy(TimeSpan.Zero);
        var at = s_now - TimeSpan.FromHours(1);
        live.Score("v1", "a", 0.9f, 0.5f, at);
        live.Label("a", true, at, at + TimeSpan.FromMinutes(2));
        live.Label("a", false, at, at + TimeSpan.FromMinutes(1)); // older correction arriving late: ignored
        live.Score("v1", "old", 0.9f, 0.5f, s_now - TimeSpan.FromDays(10));
        live.Label("old", true, s_now - TimeSpan.FromDays(10), s_now - TimeSpan.FromDays(9));

        live.Forget(s_now - TimeSpan.FromDays(8));
        var report = live.Report(s_now, [TimeSpan.FromDays(30)]).Single();

        Assert.Multiple(() =>
        {
            Assert.That((report.Scored, report.TruePositives), Is.EqualTo((1, 1)));
            Assert.That((live.ScoreCount, live.LabelCount), Is.EqualTo((1, 1)));
        });
    }
}

public sealed class ChallengerVerdictTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Production scored 200 transactions; the challenger the last 100 only, ranking their frauds better.</summary>
    private static LiveAccuracy Scenario()
    {
        var live = new LiveAccuracy(TimeSpan.Zero);
        for (var i = 0; i < 200; i++)
        {
            var at = s_now - TimeSpan.FromHours(200 - i);
            var fraud = i % 10 == 0;
            live.Score("prod", $"t{i}", fraud ? 0.4f : (i % 7) / 10f, 0.5f, at);
            if (i >= 100)
            {
                live.Score("chal", $"t{i}", fraud ? 0.9f : (i % 7) / 10f, 0.5f, at);
            }

            live.Label($"t{i}", fraud, at, at);
        }

        return live;
    }

    [Test]
    public void The_comparison_uses_only_the_transactions_both_versions_scored()
    {
        var (production, challenger) = Scenario().Compare("prod", "chal", s_now, TimeSpan.FromDays(30))!.Value;

        Assert.That((production.Scored, challenger.Scored, challenger.Frauds), Is.EqualTo((100, 100, 10)));
        Assert.That(challenger.PrAuc, Is.EqualTo(1.0), "the challenger ranks every fraud first");
        Assert.That(production.PrAuc, Is.LessThan(0.5));
    }

    [Test]
    public void A_challenger_with_better_PR_AUC_and_enough_frauds_is_promoted_otherwise_not_and_the_reason_says_why()
    {
        var (production, challenger) = Scenario().Compare("prod", "chal", s_now, TimeSpan.FromDays(30))!.Value;

        var better = ChallengerVerdict.Decide(production, challenger, minimumFrauds: 10, margin: 0.01);
        var tooFew = ChallengerVerdict.Decide(production, challenger, minimumFrauds: 11, margin: 0.01);
        var reversed = ChallengerVerdict.Decide(challenger, production, minimumFrauds: 10, margin: 0);

        Assert.Multiple(() =>
        {
            Assert.That(better.Promote, Is.True, better.Reason);
            Assert.That(better.Reason, Does.StartWith("Challenger chal beats production by more than 0.01: live PR-AUC 1.0000 vs production prod's"));
            Assert.That(tooFew.Promote, Is.False);
            Assert.That(tooFew.Reason, Does.StartWith("Not enough known frauds to judge: 10 of the 11 required"));
            Assert.That(reversed.Promote, Is.False, reversed.Reason);
        });
    }
}
