using FraudStream.Registry.Stores;

namespace FraudStream.Registry.Tests.Stores;

public sealed class S3ModelStoreOptionsTests
{
    [Test]
    public void Defaults_NeedOnlyABucket()
    {
        var options = new S3ModelStoreOptions { Bucket = "models" };

        Assert.That(options.Validate, Throws.Nothing);
        Assert.That(options.MaxAttempts, Is.EqualTo(4));
        Assert.That(options.Prefix, Is.Empty);
    }

    [Test]
    public void NoBucket_IsRefused() =>
        AssertRefused(new S3ModelStoreOptions(), "The S3 model store needs a bucket: set Bucket to the name of an existing bucket.");

    [Test]
    public void AccessKeyWithoutSecretKey_IsRefused() =>
        AssertRefused(new S3ModelStoreOptions { Bucket = "b", AccessKey = "id" }, "Set both AccessKey and SecretKey for the S3 model store, or neither to use the SDK's credential chain.");

    [Test]
    public void ServiceUrlThatIsNotHttp_IsRefused() =>
        AssertRefused(new S3ModelStoreOptions { Bucket = "b", ServiceUrl = "127.0.0.1:9000" }, "The S3 ServiceUrl '127.0.0.1:9000' is not an absolute http:// or https:// address, e.g. http://127.0.0.1:9000.");

    [TestCase(0)]
    [TestCase(21)]
    public void MaxAttemptsOutOfRange_IsRefused(int attempts) =>
        AssertRefused(new S3ModelStoreOptions { Bucket = "b", MaxAttempts = attempts }, $"MaxAttempts of the S3 model store must be between 1 and 20, not {attempts}.");

    [Test]
    public void PrefixWithDotDot_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(new S3ModelStoreOptions { Bucket = "b", Prefix = "../x" }.Validate);

        Assert.That(error!.Message, Does.StartWith("'../x' is not a model store prefix"));
    }

    [Test]
    public void Store_ValidatesItsOptionsAtConstruction()
    {
        Assert.That(() => new S3ModelStore(new S3ModelStoreOptions()), Throws.ArgumentException);
    }

    private static void AssertRefused(S3ModelStoreOptions options, string message)
    {
        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.That(error!.Message, Is.EqualTo(message));
    }
}
