global using FraudStream.Testing;
global using NUnit.Framework;
