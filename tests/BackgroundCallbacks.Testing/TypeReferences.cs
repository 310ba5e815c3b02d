using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace BackgroundCallbacks.Testing;

/// <summary>
/// Which types each type of an assembly uses, read from its compiled metadata and IL: base types, interfaces, member
/// signatures, locals and every type, method and field token in method bodies (lambdas and state machines count
/// for the type that declares them). Reading IL rather than source means a fully qualified name or a
/// <c>global using</c> cannot hide a reference.
/// </summary>
internal sealed class TypeReferences
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private readonly MetadataReader _reader;
    private readonly PEReader _pe;
    private readonly SignatureCollector _signatures;

    private TypeReferences(PEReader pe)
    {
        _pe = pe;
        _reader = pe.GetMetadataReader();
        _signatures = new SignatureCollector(_reader);
    }

    /// <summary>For each top-level type (by full name), the full names of the types it uses.</summary>
    public static Dictionary<string, HashSet<string>> Of(Assembly assembly)
    {
        using var stream = File.OpenRead(assembly.Location);
        using var pe = new PEReader(stream);
        return new TypeReferences(pe).Collect();
    }

    private Dictionary<string, HashSet<string>> Collect()
    {
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var handle in _reader.TypeDefinitions)
        {
            var owner = FullName(Outermost(handle));
            if (!result.TryGetValue(owner, out var used))
            {
                result[owner] = used = new HashSet<string>(StringComparer.Ordinal);
            }

            foreach (var referenced in Referenced(handle))
            {
                if (Name(referenced) is { } name)
                {
                    used.Add(name);
                }
            }
        }

        return result;
    }

    private IEnumerable<EntityHandle> Referenced(TypeDefinitionHandle handle)
    {
        var type = _reader.GetTypeDefinition(handle);
        if (!type.BaseType.IsNil)
        {
            foreach (var t in TypesOf(type.BaseType))
            {
                yield return t;
            }
        }

        foreach (var implementation in type.GetInterfaceImplementations())
        {
            foreach (var t in TypesOf(_reader.GetInterfaceImplementation(implementation).Interface))
            {
                yield return t;
            }
        }

        foreach (var field in type.GetFields())
        {
            foreach (var t in _reader.GetFieldDefinition(field).DecodeSignature(_signatures, null))
            {
                yield return t;
            }
        }

        foreach (var method in type.GetMethods())
        {
            var definition = _reader.GetMethodDefinition(method);
            foreach (var t in Flatten(definition.DecodeSignature(_signatures, null)))
            {
                yield return t;
            }

            if (definition.RelativeVirtualAddress == 0)
            {
                continue;
            }

            var body = _pe.GetMethodBody(definition.RelativeVirtualAddress);
            if (!body.LocalSignature.IsNil)
            {
                var locals = _reader.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(_signatures, null);
                foreach (var t in locals.SelectMany(l => l))
                {
                    yield return t;
                }
            }

            foreach (var token in Tokens(body.GetILBytes()!))
            {
                foreach (var t in TypesOf(MetadataTokens.EntityHandle(token)))
                {
                    yield return t;
                }
            }
        }
    }

    /// <summary>The metadata tokens an IL stream names (types, methods, fields).</summary>
    private static IEnumerable<int> Tokens(byte[] il)
    {
        var position = 0;
        while (position < il.Length)
        {
            short value = il[position++];
            if (value == 0xFE)
            {
                value = unchecked((short)(0xFE00 | il[position++]));
            }

            var opCode = OpCodesByValue[value];
            switch (opCode.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    yield return BitConverter.ToInt32(il, position);
                    position += 4;
                    break;
                case OperandType.InlineSwitch:
                    position += 4 + (4 * BitConverter.ToInt32(il, position));
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    position += 1;
                    break;
                case OperandType.InlineVar:
                    position += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    position += 8;
                    break;
                default:
                    position += 4;
                    break;
            }
        }
    }

    private IEnumerable<EntityHandle> TypesOf(EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition or HandleKind.TypeReference:
                return [handle];
            case HandleKind.TypeSpecification:
                return _reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(_signatures, null);
            case HandleKind.MethodDefinition:
                var method = _reader.GetMethodDefinition((MethodDefinitionHandle)handle);
                return Flatten(method.DecodeSignature(_signatures, null)).Prepend(method.GetDeclaringType());
            case HandleKind.FieldDefinition:
                return [_reader.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType()];
            case HandleKind.MemberReference:
                var member = _reader.GetMemberReference((MemberReferenceHandle)handle);
                var signature = member.GetKind() == MemberReferenceKind.Method
                    ? Flatten(member.DecodeMethodSignature(_signatures, null))
                    : member.DecodeFieldSignature(_signatures, null);
                return TypesOf(member.Parent).Concat(signature);
            case HandleKind.MethodSpecification:
                var specification = _reader.GetMethodSpecification((MethodSpecificationHandle)handle);
                return TypesOf(specification.Method).Concat(specification.DecodeSignature(_signatures, null).SelectMany(a => a));
            default:
                return [];
        }
    }

    private static IEnumerable<EntityHandle> Flatten(MethodSignature<ImmutableArray<EntityHandle>> signature) =>
        signature.ReturnType.Concat(signature.ParameterTypes.SelectMany(p => p));

    private TypeDefinitionHandle Outermost(TypeDefinitionHandle handle)
    {
        while (_reader.GetTypeDefinition(handle).GetDeclaringType() is { IsNil: false } declaring)
        {
            handle = declaring;
        }

        return handle;
    }

    private string? Name(EntityHandle handle) => handle.Kind switch
    {
        HandleKind.TypeDefinition => FullName(Outermost((TypeDefinitionHandle)handle)),
        HandleKind.TypeReference => ReferenceName((TypeReferenceHandle)handle),
        _ => null,
    };

    private string FullName(TypeDefinitionHandle handle)
    {
        var type = _reader.GetTypeDefinition(handle);
        var ns = _reader.GetString(type.Namespace);
        var name = _reader.GetString(type.Name);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    private string ReferenceName(TypeReferenceHandle handle)
    {
        var type = _reader.GetTypeReference(handle);
        if (type.ResolutionScope.Kind == HandleKind.TypeReference)
        {
            return ReferenceName((TypeReferenceHandle)type.ResolutionScope);
        }

        var ns = _reader.GetString(type.Namespace);
        var name = _reader.GetString(type.Name);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    /// <summary>Decodes a signature into the type handles it names, generic arguments and element types included.</summary>
    private sealed class SignatureCollector(MetadataReader reader) : ISignatureTypeProvider<ImmutableArray<EntityHandle>, object?>
    {
        public ImmutableArray<EntityHandle> GetArrayType(ImmutableArray<EntityHandle> elementType, ArrayShape shape) => elementType;

        public ImmutableArray<EntityHandle> GetByReferenceType(ImmutableArray<EntityHandle> elementType) => elementType;

        public ImmutableArray<EntityHandle> GetFunctionPointerType(MethodSignature<ImmutableArray<EntityHandle>> signature) =>
            [.. Flatten(signature)];

        public ImmutableArray<EntityHandle> GetGenericInstantiation(ImmutableArray<EntityHandle> genericType, ImmutableArray<ImmutableArray<EntityHandle>> typeArguments) =>
            [.. genericType, .. typeArguments.SelectMany(a => a)];

        public ImmutableArray<EntityHandle> GetGenericMethodParameter(object? genericContext, int index) => [];

        public ImmutableArray<EntityHandle> GetGenericTypeParameter(object? genericContext, int index) => [];

        public ImmutableArray<EntityHandle> GetModifiedType(ImmutableArray<EntityHandle> modifier, ImmutableArray<EntityHandle> unmodifiedType, bool isRequired) => unmodifiedType;

        public ImmutableArray<EntityHandle> GetPinnedType(ImmutableArray<EntityHandle> elementType) => elementType;

        public ImmutableArray<EntityHandle> GetPointerType(ImmutableArray<EntityHandle> elementType) => elementType;

        public ImmutableArray<EntityHandle> GetPrimitiveType(PrimitiveTypeCode typeCode) => [];

        public ImmutableArray<EntityHandle> GetSZArrayType(ImmutableArray<EntityHandle> elementType) => elementType;

        public ImmutableArray<EntityHandle> GetTypeFromDefinition(MetadataReader metadata, TypeDefinitionHandle handle, byte rawTypeKind) => [handle];

        public ImmutableArray<EntityHandle> GetTypeFromReference(MetadataReader metadata, TypeReferenceHandle handle, byte rawTypeKind) => [handle];

        public ImmutableArray<EntityHandle> GetTypeFromSpecification(MetadataReader metadata, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
    }
}
