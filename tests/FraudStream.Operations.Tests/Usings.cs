global using NUnit.Framework;
global using FraudStream.Testing;
