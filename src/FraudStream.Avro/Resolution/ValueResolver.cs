using System.Text;

namespace FraudStream.Avro;

/// <summary>
/// One node of a compiled writer→reader resolution: reads a value written with the writer schema as the reader
/// schema's type. Typed methods exist so typed codecs read without boxing; each node supports the methods of its reader type.
/// </summary>
internal abstract class ValueResolver
{
    public abstract object? ReadGeneric(ref AvroReader reader);

    /// <summary>Skips a value of the writer schema.</summary>
    public abstract void Skip(ref AvroReader reader);

    public virtual bool ReadBoolean(ref AvroReader reader) => throw WrongAccess("boolean");

    public virtual int ReadInt(ref AvroReader reader) => throw WrongAccess("int");

    public virtual long ReadLong(ref AvroReader reader) => throw WrongAccess("long");

    public virtual float ReadFloat(ref AvroReader reader) => throw WrongAccess("float");

    public virtual double ReadDouble(ref AvroReader reader) => throw WrongAccess("double");

    public virtual ReadOnlySpan<byte> ReadUtf8(ref AvroReader reader) => throw WrongAccess("string");

    public virtual string ReadString(ref AvroReader reader) => Encoding.UTF8.GetString(ReadUtf8(ref reader));

    /// <summary>The reader's enum index.</summary>
    public virtual int ReadEnum(ref AvroReader reader) => throw WrongAccess("enum");

    /// <summary>For a reader union: the reader branch the value resolves to, and the node that reads it.</summary>
    public virtual ValueResolver ReadUnionBranch(ref AvroReader reader, out int readerBranch) => throw WrongAccess("union");

    private InvalidOperationException WrongAccess(string what) =>
        new($"Bug: {GetType().Name} does not read a {what}; the typed codec does not match its reader schema.");
}

/// <summary>Primitive writer→reader, including the specification's promotions.</summary>
internal sealed class PrimitiveResolver(AvroType writer, AvroType reader) : ValueResolver
{
    public override object? ReadGeneric(ref AvroReader r) => reader switch
    {
        AvroType.Null => null,
        AvroType.Boolean => ReadBoolean(ref r),
        AvroType.Int => ReadInt(ref r),
        AvroType.Long => ReadLong(ref r),
        AvroType.Float => ReadFloat(ref r),
        AvroType.Double => ReadDouble(ref r),
        AvroType.Bytes => ReadUtf8OrBytes(ref r).ToArray(),
        _ => ReadString(ref r),
    };

    public override void Skip(ref AvroReader r)
    {
        switch (writer)
        {
            case AvroType.Boolean:
                r.Skip(1);
                break;
            case AvroType.Int:
                r.ReadInt();
                break;
            case AvroType.Long:
                r.ReadLong();
                break;
            case AvroType.Float:
                r.Skip(4);
                break;
            case AvroType.Double:
                r.Skip(8);
                break;
            case AvroType.Bytes:
            case AvroType.String:
                r.ReadBytes();
                break;
        }
    }

    public override bool ReadBoolean(ref AvroReader r) => r.ReadBoolean();

    public override int ReadInt(ref AvroReader r) => r.ReadInt();

    public override long ReadLong(ref AvroReader r) => writer == AvroType.Int ? r.ReadInt() : r.ReadLong();

    public override float ReadFloat(ref AvroReader r) => writer switch
    {
        AvroType.Int => r.ReadInt(),
        AvroType.Long => r.ReadLong(),
        _ => r.ReadFloat(),
    };

    public override double ReadDouble(ref AvroReader r) => writer switch
    {
        AvroType.Int => r.ReadInt(),
        AvroType.Long => r.ReadLong(),
        AvroType.Float => r.ReadFloat(),
        _ => r.ReadDouble(),
    };

    // bytes→string is validated as UTF-8 like any string; string→bytes needs no check.
    public override ReadOnlySpan<byte> ReadUtf8(ref AvroReader r) => r.ReadStringUtf8();

    private static ReadOnlySpan<byte> ReadUtf8OrBytes(ref AvroReader r) => r.ReadBytes();
}

/// <summary>A writer union: reads the branch index, then resolves the branch actually written.</summary>
internal sealed class WriterUnionResolver(ValueResolver[] branches) : ValueResolver
{
    private ValueResolver Branch(ref AvroReader r) => branches[r.ReadUnionIndex(branches.Length)];

    public override object? ReadGeneric(ref AvroReader r) => Branch(ref r).ReadGeneric(ref r);

    public override void Skip(ref AvroReader r) => Branch(ref r).Skip(ref r);

    public override bool ReadBoolean(ref AvroReader r) => Branch(ref r).ReadBoolean(ref r);

    public override int ReadInt(ref AvroReader r) => Branch(ref r).ReadInt(ref r);

    public override long ReadLong(ref AvroReader r) => Branch(ref r).ReadLong(ref r);

    public override float ReadFloat(ref AvroReader r) => Branch(ref r).ReadFloat(ref r);

    public override double ReadDouble(ref AvroReader r) => Branch(ref r).ReadDouble(ref r);

    public override ReadOnlySpan<byte> ReadUtf8(ref AvroReader r) => Branch(ref r).ReadUtf8(ref r);

    public override string ReadString(ref AvroReader r) => Branch(ref r).ReadString(ref r);

    public override int ReadEnum(ref AvroReader r) => Branch(ref r).ReadEnum(ref r);

    public override ValueResolver ReadUnionBranch(ref AvroReader r, out int readerBranch) => Branch(ref r).ReadUnionBranch(ref r, out readerBranch);
}

/// <summary>A non-union writer read as one branch of a reader union.</summary>
internal sealed class ReaderUnionResolver(int readerBranch, ValueResolver inner) : ValueResolver
{
    public override object? ReadGeneric(ref AvroReader r) => inner.ReadGeneric(ref r);

    public override void Skip(ref AvroReader r) => inner.Skip(ref r);

    public override ValueResolver ReadUnionBranch(ref AvroReader r, out int branch)
    {
        branch = readerBranch;
        return inner;
    }
}

/// <summary>A writer union branch the reader cannot read: fails only when a record actually uses it.</summary>
internal sealed class FailingResolver(DecodeFailure failure, string message, ValueResolver writerSkipper) : ValueResolver
{
    public override object? ReadGeneric(ref AvroReader r) => throw Fail(ref r);

    public override void Skip(ref AvroReader r) => writerSkipper.Skip(ref r);

    public override bool ReadBoolean(ref AvroReader r) => throw Fail(ref r);

    public override int ReadInt(ref AvroReader r) => throw Fail(ref r);

    public override long ReadLong(ref AvroReader r) => throw Fail(ref r);

    public override float ReadFloat(ref AvroReader r) => throw Fail(ref r);

    public override double ReadDouble(ref AvroReader r) => throw Fail(ref r);

    public override ReadOnlySpan<byte> ReadUtf8(ref AvroReader r) => throw Fail(ref r);

    public override int ReadEnum(ref AvroReader r) => throw Fail(ref r);

    public override ValueResolver ReadUnionBranch(ref AvroReader r, out int readerBranch) => throw Fail(ref r);

    private AvroDecodingException Fail(ref AvroReader r) => new(failure, message, r.Position);
}

internal sealed class EnumResolver(EnumSchema readerSchema, int[] readerIndexByWriterIndex, string writerName) : ValueResolver
{
    public override object? ReadGeneric(ref AvroReader r) => readerSchema.Symbols[ReadEnum(ref r)];

    public override void Skip(ref AvroReader r) => r.ReadEnumIndex(readerIndexByWriterIndex.Length);

    public override int ReadEnum(ref AvroReader r)
    {
        var start = r.Position;
        var writerIndex = r.ReadEnumIndex(readerIndexByWriterIndex.Length);
        var readerIndex = readerIndexByWriterIndex[writerIndex];
        return readerIndex >= 0
            ? readerIndex
            : throw new AvroDecodingException(DecodeFailure.UnknownEnumSymbol, $"The writer's symbol #{writerIndex} of enum '{writerName}' is unknown to the reader, which has no default", start);
    }
}

internal sealed class FixedResolver(int size) : ValueResolver
{
    public override object? ReadGeneric(ref AvroReader r) => r.ReadFixed(size).ToArray();

    public override void Skip(ref AvroReader r) => r.Skip(size);
}

internal sealed class ArrayResolver : ValueResolver
{
    public ValueResolver Items { get; set; } = null!;

    public override object? ReadGeneric(ref AvroReader r)
    {
        var list = new List<object?>();
        long count;
        while ((count = r.ReadBlockCount(out _)) != 0)
        {
            for (var i = 0L; i < count; i++)
            {
                list.Add(Items.ReadGeneric(ref r));
            }
        }

        return list;
    }

    public override void Skip(ref AvroReader r)
    {
        long count;
        while ((count = r.ReadBlockCount(out var byteSize)) != 0)
        {
            if (byteSize >= 0)
            {
                r.Skip((int)byteSize);
                continue;
            }

            for (var i = 0L; i < count; i++)
            {
                Items.Skip(ref r);
            }
        }
    }
}

internal sealed class MapResolver : ValueResolver
{
    public ValueResolver Values { get; set; } = null!;

    public override object? ReadGeneric(ref AvroReader r)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        long count;
        while ((count = r.ReadBlockCount(out _)) != 0)
        {
            for (var i = 0L; i < count; i++)
            {
                var key = r.ReadString();
                map[key] = Values.ReadGeneric(ref r);
            }
        }

        return map;
    }

    public override void Skip(ref AvroReader r)
    {
        long count;
        while ((count = r.ReadBlockCount(out var byteSize)) != 0)
        {
            if (byteSize >= 0)
            {
                r.Skip((int)byteSize);
                continue;
            }

            for (var i = 0L; i < count; i++)
            {
                r.ReadBytes();
                Values.Skip(ref r);
            }
        }
    }
}

/// <summary>One writer field, in writer order: read into a reader field, or skipped (<see cref="ReaderPosition"/> = -1).</summary>
internal readonly record struct FieldStep(int ReaderPosition, ValueResolver Resolver);

/// <summary>A reader field the writer lacks, filled with the reader's default.</summary>
internal readonly record struct FieldDefault(int ReaderPosition, object? Value);

internal sealed class RecordResolver(RecordSchema readerSchema) : ValueResolver
{
    public RecordSchema ReaderSchema => readerSchema;

    public FieldStep[] Steps { get; set; } = [];

    public FieldDefault[] Defaults { get; set; } = [];

    public override object? ReadGeneric(ref AvroReader r)
    {
        var record = new AvroRecord(readerSchema);
        foreach (var step in Steps)
        {
            if (step.ReaderPosition < 0)
            {
                step.Resolver.Skip(ref r);
            }
            else
            {
                record[step.ReaderPosition] = step.Resolver.ReadGeneric(ref r);
            }
        }

        foreach (var d in Defaults)
        {
            record[d.ReaderPosition] = d.Value;
        }

        return record;
    }

    public override void Skip(ref AvroReader r)
    {
        foreach (var step in Steps)
        {
            step.Resolver.Skip(ref r);
        }
    }
}
