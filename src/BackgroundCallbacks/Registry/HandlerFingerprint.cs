using System.Buffers.Binary;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace BackgroundCallbacks.Registry;

/// <summary>
/// A handler's identity in the cache key, stable across rebuilds that do not change the handler (Dash hashes the
/// function's source; we have IL). It is the callback id, the handler's declaration (declaring type and name unless
/// the compiler made them up, parameter and return types) and a SHA-256 of its own body: the IL walked opcode by
/// opcode, each metadata token replaced by what it resolves to, since token numbers shift whenever other code of the
/// assembly changes. An async method or iterator is a stub that starts its state machine, so the state machine's
/// <c>MoveNext</c> is hashed too. Methods the handler calls (other methods, local functions, nested lambdas) are
/// named, not hashed: a change inside one leaves the key as it was, as in Dash.
/// </summary>
internal static partial class HandlerFingerprint
{
    private const int Version = 1;

    private static readonly OpCode[] OneByte = new OpCode[0x100];
    private static readonly OpCode[] TwoByte = new OpCode[0x100];

    static HandlerFingerprint()
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (field.GetValue(null) is OpCode code)
            {
                var value = (ushort)code.Value;
                if (code.Size == 1)
                {
                    OneByte[value] = code;
                }
                else
                {
                    TwoByte[value & 0xFF] = code;
                }
            }
        }
    }

    public static string Of(string callbackId, MethodInfo method)
    {
        var text = new StringBuilder();
        text.Append(Version).Append('|').Append(callbackId).Append('|').Append(Declaration(method));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Body(method, hash);
        if (method.GetCustomAttribute<StateMachineAttribute>()?.StateMachineType is { } machine
            && machine.GetMethod("MoveNext", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, Type.EmptyTypes) is { } moveNext)
        {
            Add(hash, "machine");
            Body(moveNext, hash);
        }

        return text.Append('|').Append(Convert.ToHexStringLower(hash.GetHashAndReset())).ToString();
    }

    /// <summary>The declaration without what the compiler numbered: a lambda's type and name shift when other lambdas are added.</summary>
    private static string Declaration(MethodInfo method)
    {
        var text = new StringBuilder();
        if (method.DeclaringType is { } type && !IsGenerated(type))
        {
            text.Append(TypeName(type)).Append("::");
        }

        if (!method.Name.Contains('<', StringComparison.Ordinal))
        {
            text.Append(method.Name);
        }

        text.Append('(').AppendJoin(',', method.GetParameters().Select(p => TypeName(p.ParameterType))).Append(')');
        return text.Append(TypeName(method.ReturnType)).ToString();
    }

    private static bool IsGenerated(Type type)
    {
        for (Type? t = type; t is not null; t = t.DeclaringType)
        {
            if (t.Name.Contains('<', StringComparison.Ordinal) || t.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false))
            {
                return true;
            }
        }

        return false;
    }

    private static void Body(MethodBase method, IncrementalHash hash)
    {
        var body = method.GetMethodBody();
        if (body?.GetILAsByteArray() is not { } il)
        {
            Add(hash, "no body");
            return;
        }

        Add(hash, body.InitLocals ? "init" : "noinit");
        foreach (var local in body.LocalVariables)
        {
            Add(hash, TypeName(local.LocalType) + (local.IsPinned ? "&pinned" : string.Empty));
        }

        foreach (var clause in body.ExceptionHandlingClauses)
        {
            Add(hash, $"{clause.Flags}:{clause.TryOffset}:{clause.TryLength}:{clause.HandlerOffset}:{clause.HandlerLength}");
            if (clause.Flags == ExceptionHandlingClauseOptions.Clause)
            {
                Add(hash, TypeName(clause.CatchType));
            }
            else if (clause.Flags == ExceptionHandlingClauseOptions.Filter)
            {
                Add(hash, "filter:" + clause.FilterOffset);
            }
        }

        var module = method.Module;
        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var position = 0;
        while (position < il.Length)
        {
            var start = position;
            var code = il[position] == 0xFE && position + 1 < il.Length ? TwoByte[il[position + 1]] : OneByte[il[position]];
            position += code.Size == 0 ? 1 : code.Size;
            var operand = OperandSize(code.OperandType, il, position);
            if (code.Size == 0 || position + operand > il.Length)
            {
                // Not IL this walker knows: the rest is hashed as it is, which is stable for the same bytes.
                hash.AppendData(il.AsSpan(start));
                return;
            }

            hash.AppendData(il.AsSpan(start, position - start));
            if (IsToken(code.OperandType))
            {
                var token = BinaryPrimitives.ReadInt32LittleEndian(il.AsSpan(position, 4));
                Add(hash, Resolve(module, code.OperandType, token, typeArguments, methodArguments));
            }
            else
            {
                hash.AppendData(il.AsSpan(position, operand));
            }

            position += operand;
        }
    }

    private static int OperandSize(OperandType type, byte[] il, int position) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => position + 4 <= il.Length ? 4 + (4 * BinaryPrimitives.ReadInt32LittleEndian(il.AsSpan(position, 4))) : int.MaxValue / 2,
        _ => 4,
    };

    private static bool IsToken(OperandType type) => type is OperandType.InlineString or OperandType.InlineField or OperandType.InlineMethod
        or OperandType.InlineType or OperandType.InlineTok or OperandType.InlineSig;

    private static string Resolve(Module module, OperandType type, int token, Type[]? typeArguments, Type[]? methodArguments)
    {
        try
        {
            return type switch
            {
                OperandType.InlineString => "\"" + module.ResolveString(token),
                OperandType.InlineSig => "sig:" + Convert.ToHexString(module.ResolveSignature(token)),
                _ => Member(module.ResolveMember(token, typeArguments, methodArguments)),
            };
        }
        catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException or FileNotFoundException or MissingMemberException)
        {
            // A member that cannot be loaded (an assembly missing at startup) still has a name in metadata, but not one
            // reflection gives; the token is the best left, and it only makes the key change more often than needed.
            return "token:" + token.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private static string Member(MemberInfo? member) => member switch
    {
        Type type => "type:" + TypeName(type),
        FieldInfo field => $"field:{Owner(field)}::{Stable(field.Name)}:{TypeName(field.FieldType)}",
        MethodBase method => $"method:{Owner(method)}::{Stable(method.Name)}{Generics(method)}({string.Join(",", method.GetParameters().Select(p => TypeName(p.ParameterType)))}){(method is MethodInfo info ? TypeName(info.ReturnType) : "void")}",
        null => "null",
        _ => member.GetType().Name + ":" + Owner(member) + "::" + Stable(member.Name),
    };

    private static string Owner(MemberInfo member) => member.DeclaringType is { } type ? TypeName(type) : member.Module.Name;

    private static string Generics(MethodBase method) =>
        method.IsGenericMethod ? "<" + string.Join(",", method.GetGenericArguments().Select(TypeName)) + ">" : string.Empty;

    private static string TypeName(Type? type) => type is null ? "?" : Stable(type.ToString());

    /// <summary>
    /// Drops the ordinals the compiler puts in the names it makes (<c>&lt;Run&gt;d__3</c>, <c>&lt;&gt;c__DisplayClass0_1</c>,
    /// <c>&lt;Main&gt;b__0_2</c>, <c>&lt;Main&gt;g__Local|0_0</c>): they count the methods and lambdas declared before,
    /// so adding one elsewhere renumbers them.
    /// </summary>
    private static string Stable(string name) => name.Contains('<', StringComparison.Ordinal) ? Ordinals().Replace(name, "$1") : name;

    private static void Add(IncrementalHash hash, string value)
    {
        hash.AppendData(Encoding.UTF8.GetBytes(value));
        hash.AppendData([0]);
    }

    [GeneratedRegex(@"(__|DisplayClass|\|)\d+(_\d+)*")]
    private static partial Regex Ordinals();
}
