/// One row of a table of invalid configurations: the YAML and the exact, located error it must
/// produce (`etc/mnemond.yaml:14:5: unknown key …`). Config errors are asserted verbatim.
public struct ConfigErrorCase: Sendable, CustomStringConvertible {
    public var name: String
    public var yaml: String
    public var error: String

    public init(name: String, yaml: String, error: String) {
        self.name = name
        self.yaml = yaml
        self.error = error
    }

    public var description: String { name }
}
