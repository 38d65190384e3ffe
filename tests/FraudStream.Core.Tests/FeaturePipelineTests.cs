using FraudStream.Core.Features;
using FraudStream.Core.Models;
using FraudStream.Core.Transactions;

namespace FraudStream.Core.Tests;

public sealed class FeaturePipelineTests
{
    // Saturday 2026-03-14 02:30 UTC, a card from Amsterdam paying a Paris merchant online.
    private static readonly Transaction s_transaction = new(
        "T-1", "C-1", new DateTimeOffset(2026, 3, 14, 2, 30, 0, TimeSpan.Zero), 120.0, "EUR", "M-1", "5732",
        Channel.Ecommerce, CardPresent: false, TerminalId: null, MerchantCountry: "FR",
        MerchantLatitude: 48.8566, MerchantLongitude: 2.3522, CardholderLatitude: 52.3676, CardholderLongitude: 4.9041);

    [Test]
    public void Extract_computes_each_feature_from_the_transaction()
    {
        var pipeline = FeaturePipeline.Full;
        var row = new float[pipeline.FeatureCount];

        pipeline.Extract(s_transaction, row);

        var features = pipeline.FeatureNames.Zip(row).ToDictionary(x => x.First, x => x.Second);
        Assert.Multiple(() =>
        {
            Assert.That(features["amount"], Is.EqualTo(120f));
            Assert.That(features["log_amount"], Is.EqualTo((float)Math.Log(121)).Within(1e-6));
            Assert.That(features["amount_is_whole"], Is.EqualTo(1f));
            Assert.That(features["hour_of_day"], Is.EqualTo(2f));
            Assert.That(features["day_of_week"], Is.EqualTo(5f), "Monday = 0, so Saturday = 5");
            Assert.That(features["is_night"], Is.EqualTo(1f));
            Assert.That(features["is_weekend"], Is.EqualTo(1f));
            Assert.That(features["channel_ecommerce"], Is.EqualTo(1f));
            Assert.That(features["channel_pos"] + features["channel_atm"] + features["channel_contactless"], Is.Zero);
            Assert.That(features["card_present"], Is.Zero);
            Assert.That(features["merchant_category"], Is.EqualTo(5732f));
            Assert.That(features["merchant_category_high_risk"], Is.EqualTo(1f), "5732 (electronics) is a high-risk category");
            Assert.That(features["has_terminal"], Is.Zero);
            Assert.That(features["distance_from_home_km"], Is.EqualTo(430f).Within(5f), "Amsterdam to Paris is about 430 km");
        });
    }

    [Test]
    public void Missing_inputs_become_NaN_which_XGBoost_treats_as_missing()
    {
        var pipeline = FeaturePipeline.Full;
        var row = new float[pipeline.FeatureCount];
        var unknown = s_transaction with { CardholderLatitude = null, MerchantCategory = "n/a", CardPresent = null };

        pipeline.Extract(unknown, row);

        Assert.Multiple(() =>
        {
            Assert.That(row[Column("card_present")], Is.NaN, "not known is missing, not 'card absent' (0)");
            Assert.That(row[Column("distance_from_home_km")], Is.NaN);
            Assert.That(row[Column("merchant_category")], Is.NaN);
            Assert.That(row[Column("merchant_category_high_risk")], Is.NaN);
        });
    }

    [Test]
    public void A_pipeline_for_a_model_writes_that_models_columns_in_its_order()
    {
        var model = new PipelineSignature(FeaturePipeline.CurrentVersion, ["hour_of_day", "amount", "card_present"]);
        var pipeline = FeaturePipeline.For(model);
        var row = new float[pipeline.FeatureCount];

        pipeline.Extract(s_transaction, row);

        Assert.That(row, Is.EqualTo(new[] { 2f, 120f, 0f }));
    }

    [Test]
    public void Card_present_is_1_when_the_card_was_there()
    {
        var row = new float[FeaturePipeline.Full.FeatureCount];

        FeaturePipeline.Full.Extract(s_transaction with { CardPresent = true }, row);

        Assert.That(row[Column("card_present")], Is.EqualTo(1f));
    }

    [Test]
    public void A_model_needing_features_the_pipeline_cannot_produce_is_refused_by_name()
    {
        var model = new PipelineSignature(FeaturePipeline.CurrentVersion, ["amount", "card_velocity_1h", "merchant_risk_7d"]);

        var refusal = Assert.Throws<IncompatibleModelException>(() => FeaturePipeline.For(model));

        Assert.That(refusal!.Message, Does.Contain("card_velocity_1h, merchant_risk_7d"));
    }

    [Test]
    public void A_model_from_another_pipeline_version_is_refused()
    {
        var model = FeaturePipeline.Full.Signature with { Version = "tx-v0" };

        var refusal = Assert.Throws<IncompatibleModelException>(() => FeaturePipeline.For(model));

        Assert.That(refusal!.Message, Does.Contain("tx-v0").And.Contain(FeaturePipeline.CurrentVersion));
    }

    [Test]
    public void The_full_signature_binds_to_the_full_pipeline()
    {
        Assert.That(FeaturePipeline.For(FeaturePipeline.Full.Signature), Is.SameAs(FeaturePipeline.Full));
    }

    [Test]
    public void A_row_of_the_wrong_width_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => FeaturePipeline.Full.Extract(s_transaction, new float[3]));
    }

    [Test]
    public void Extract_does_not_allocate()
    {
        var reordered = FeaturePipeline.For(new PipelineSignature(FeaturePipeline.CurrentVersion, ["amount", "hour_of_day"]));
        var full = new float[FeaturePipeline.Full.FeatureCount];
        var narrow = new float[2];
        FeaturePipeline.Full.Extract(s_transaction, full); // JIT and statics outside the measurement
        reordered.Extract(s_transaction, narrow);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            FeaturePipeline.Full.Extract(s_transaction, full);
            reordered.Extract(s_transaction, narrow);
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    private static int Column(string name) => FeaturePipeline.Full.FeatureNames.ToList().IndexOf(name);
}
