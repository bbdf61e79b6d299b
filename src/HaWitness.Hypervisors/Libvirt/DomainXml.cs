using System.Xml;
using System.Xml.Linq;
using HaWitness.Core.Configuration;

namespace HaWitness.Hypervisors.Libvirt;

/// <summary>
/// A libvirt domain XML as it travels in the committed state: parsed defensively (no DTD, no
/// external entities, size-capped), checked, and rewritten for the host that starts it.
/// </summary>
public sealed class DomainXml
{
    /// <summary>The largest domain XML accepted (characters).</summary>
    public const int MaxLength = 1 << 20;

    private const string QemuNamespace = "http://libvirt.org/schemas/domain/qemu/1.0";

    private readonly XDocument _doc;

    private DomainXml(XDocument doc, string name)
    {
        _doc = doc;
        Name = name;
    }

    /// <summary>The domain's <c>&lt;name&gt;</c>.</summary>
    public string Name { get; }

    /// <summary>The domain's <c>&lt;uuid&gt;</c>, if it has one.</summary>
    public string? Uuid => _doc.Root!.Element("uuid")?.Value.Trim();

    /// <summary>The domain's virtual CPUs (<c>&lt;vcpu&gt;</c>), or null when it does not say or says nonsense.</summary>
    public int? Vcpus => int.TryParse(_doc.Root!.Element("vcpu")?.Value.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n > 0 ? n : null;

    /// <summary>
    /// The domain's memory in MiB (<c>&lt;memory unit=…&gt;</c>, KiB when no unit is given, rounded
    /// up), or null when it does not say, uses a unit libvirt does not know, or overflows.
    /// </summary>
    public long? MemoryMiB
    {
        get
        {
            var memory = _doc.Root!.Element("memory");
            if (memory is null || !ulong.TryParse(memory.Value.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong value) || value == 0)
            {
                return null;
            }

            ulong? bytesPerUnit = ((string?)memory.Attribute("unit") ?? "KiB") switch
            {
                "b" or "bytes" => 1UL,
                "KB" => 1000UL,
                "k" or "KiB" => 1UL << 10,
                "MB" => 1000UL * 1000,
                "M" or "MiB" => 1UL << 20,
                "GB" => 1000UL * 1000 * 1000,
                "G" or "GiB" => 1UL << 30,
                "TB" => 1000UL * 1000 * 1000 * 1000,
                "T" or "TiB" => 1UL << 40,
                _ => null,
            };
            if (bytesPerUnit is not { } unit || value > ulong.MaxValue / unit)
            {
                return null;
            }

            ulong bytes = value * unit;
            ulong mib = (bytes >> 20) + ((bytes & ((1UL << 20) - 1)) != 0 ? 1UL : 0UL);
            return mib is > 0 and <= long.MaxValue ? (long)mib : null;
        }
    }

    /// <summary>The iSCSI network disks' sources (<c>target/lun</c> names) in document order.</summary>
    public IReadOnlyList<string> IscsiSources => IscsiSourceElements().Select(s => (string?)s.Attribute("name") ?? string.Empty).ToList();

    /// <summary>The initiator IQNs the iSCSI disks carry now (null where a disk has none).</summary>
    public IReadOnlyList<string?> Initiators => IscsiSourceElements()
        .Select(s => (string?)s.Element("initiator")?.Element("iqn")?.Attribute("name")).ToList();

    /// <summary>
    /// Parses and checks a domain XML. Refused: more than <see cref="MaxLength"/> characters, a DTD
    /// or entity (XXE, entity bombs), a root other than <c>&lt;domain&gt;</c>, a missing or invalid
    /// <c>&lt;name&gt;</c>, and QEMU pass-through elements (<c>qemu:commandline</c> and friends run
    /// arbitrary QEMU arguments on every host the VM may start on).
    /// </summary>
    public static HvResult<DomainXml> Parse(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        if (xml.Length > MaxLength)
        {
            return Invalid($"domain XML is {xml.Length} characters; at most {MaxLength} are accepted");
        }

        XDocument doc;
        try
        {
            var settings = new XmlReaderSettings
            {
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                MaxCharactersInDocument = MaxLength,
                IgnoreProcessingInstructions = true,
            };
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            doc = XDocument.Load(reader, LoadOptions.None);
        }
        catch (XmlException ex)
        {
            return Invalid("domain XML is not well-formed or uses a DTD: " + ex.Message);
        }

        var root = doc.Root!;
        if (root.Name != "domain")
        {
            return Invalid($"the root element is <{root.Name.LocalName}>, not <domain>");
        }

        if (root.DescendantsAndSelf().Any(e => e.Name.NamespaceName == QemuNamespace) || root.Attributes().Any(a => a.Value == QemuNamespace))
        {
            return Invalid("domain XML uses QEMU pass-through (qemu:commandline and the like); refused because it runs arbitrary QEMU arguments on every host");
        }

        string name = root.Element("name")?.Value.Trim() ?? string.Empty;
        if (!VmNames.IsValid(name))
        {
            return Invalid($"domain name '{name}' is not valid (1..80 of letters, digits, '-', '_', '.', starting with a letter or digit)");
        }

        if (root.Element("uuid") is { } uuid && !Guid.TryParse(uuid.Value.Trim(), out _))
        {
            return Invalid($"domain uuid '{uuid.Value}' is not a UUID");
        }

        return new DomainXml(doc, name);
    }

    /// <summary>
    /// Rewrites every iSCSI network disk's <c>&lt;initiator&gt;&lt;iqn name=…/&gt;</c> to
    /// <paramref name="initiatorIqn"/> (adding the element where a disk has none), so the disk logs in
    /// as the host that starts the VM: the target grants, and fences, per host.
    /// </summary>
    public static HvResult<string> WithInitiator(string xml, string initiatorIqn)
    {
        if (!IscsiName.IsValid(initiatorIqn))
        {
            return HvResult<string>.Fail(HypervisorErrorKind.InvalidArgument, $"initiator '{initiatorIqn}' is not a valid iSCSI name (iqn.YYYY-MM.domain[:id], eui.…, naa.…; lower case)");
        }

        var parsed = Parse(xml);
        if (!parsed.IsOk)
        {
            return parsed.Error!;
        }

        var domain = parsed.Value;
        foreach (var source in domain.IscsiSourceElements())
        {
            var initiator = source.Element("initiator");
            if (initiator is null)
            {
                initiator = new XElement("initiator");
                source.Add(initiator);
            }

            initiator.RemoveNodes();
            initiator.Add(new XElement("iqn", new XAttribute("name", initiatorIqn)));
        }

        return domain.ToXml();
    }

    /// <summary>Sets <c>&lt;uuid&gt;</c> when the XML has none (redefining an existing domain must keep its UUID).</summary>
    public string WithUuidIfMissing(string uuid)
    {
        if (Uuid is null)
        {
            _doc.Root!.Element("name")!.AddAfterSelf(new XElement("uuid", uuid));
        }

        return ToXml();
    }

    /// <summary>The XML text.</summary>
    public string ToXml() => _doc.Root!.ToString(SaveOptions.DisableFormatting);

    private IEnumerable<XElement> IscsiSourceElements() =>
        _doc.Root!.Elements("devices").Elements("disk")
            .Where(d => (string?)d.Attribute("type") == "network")
            .Elements("source")
            .Where(s => (string?)s.Attribute("protocol") == "iscsi");

    private static HvResult<DomainXml> Invalid(string message) =>
        HvResult<DomainXml>.Fail(HypervisorErrorKind.InvalidArgument, message);
}
