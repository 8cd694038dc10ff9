import Foundation

/// Where a request goes and which region it is signed for.
public struct ResolvedEndpoint: Sendable, Equatable {
    public var url: URL
    public var signingRegion: String
    /// True when an `AWS_ENDPOINT_URL*` override or the shared config's `endpoint_url` chose it.
    public var isCustom: Bool
}

/// Regional endpoints as the SDKs build them, with the SDKs' endpoint overrides in their
/// documented order: `AWS_ENDPOINT_URL_<SERVICE_ID>`, then `AWS_ENDPOINT_URL`, then the shared
/// config's `[services NAME]` entry for the service, then the profile's `endpoint_url`.
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` (or the profile's
/// `ignore_configured_endpoint_urls = true`, which the variable beats) disables all of them.
public struct EndpointResolver: Sendable {
    public var environment: [String: String]
    public var configured: ConfiguredEndpoints

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        configured: ConfiguredEndpoints? = nil
    ) {
        self.environment = environment
        // Without shared-config settings the variable alone decides whether overrides count.
        self.configured =
            configured
            ?? ConfiguredEndpoints(ignored: environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() == "true")
    }

    /// The service's key in a `[services NAME]` section and its `AWS_ENDPOINT_URL_` suffix (upper case).
    static func serviceKey(_ service: AWSService) -> String {
        service.serviceID.lowercased().replacingOccurrences(of: " ", with: "_")
    }

    public func customEndpoint(for service: AWSService) -> URL? {
        if configured.ignored { return nil }
        let key = Self.serviceKey(service)
        for name in ["AWS_ENDPOINT_URL_" + key.uppercased(), "AWS_ENDPOINT_URL"] {
            if let value = environment[name], !value.isEmpty, let url = URL(string: value), url.host != nil {
                return url
            }
        }
        return configured.services[key] ?? configured.global
    }

    /// The endpoint for a service call, S3 bucket addressing included.
    public func resolve(_ service: AWSService, region: String, bucket: String? = nil) -> ResolvedEndpoint {
        let signingRegion = service.isGlobal ? "us-east-1" : region
        if let custom = customEndpoint(for: service) {
            var url = custom
            if let bucket {
                if Self.canUseVirtualHost(bucket: bucket, endpointHost: custom.host ?? "") {
                    var components = URLComponents(url: custom, resolvingAgainstBaseURL: false)!
                    components.host = "\(bucket).\(custom.host!)"
                    url = components.url!
                } else {
                    url = custom.appendingPathComponent(bucket)
                }
            }
            return ResolvedEndpoint(url: url, signingRegion: signingRegion, isCustom: true)
        }
        let host: String
        if service.isGlobal {
            host = "\(service.endpointPrefix).amazonaws.com"
        } else if let bucket, service == .s3 {
            host =
                Self.canUseVirtualHost(bucket: bucket, endpointHost: "s3.\(region).amazonaws.com")
                ? "\(bucket).s3.\(region).amazonaws.com" : "s3.\(region).amazonaws.com"
            let base = URL(string: "https://\(host)")!
            let url = host.hasPrefix("\(bucket).") ? base : base.appendingPathComponent(bucket)
            return ResolvedEndpoint(url: url, signingRegion: signingRegion, isCustom: false)
        } else {
            host = "\(service.endpointPrefix).\(region).amazonaws.com"
        }
        return ResolvedEndpoint(url: URL(string: "https://\(host)")!, signingRegion: signingRegion, isCustom: false)
    }

    /// Virtual-host style needs a DNS-compatible bucket without dots (a dot breaks the TLS
    /// wildcard certificate) and an endpoint that is a name, not an IP address or localhost.
    static func canUseVirtualHost(bucket: String, endpointHost: String) -> Bool {
        let isIP = endpointHost.allSatisfy { $0.isNumber || $0 == "." } || endpointHost.contains(":")
        if isIP || endpointHost == "localhost" { return false }
        guard (3...63).contains(bucket.count), !bucket.contains(".") else { return false }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        guard bucket.allSatisfy({ allowed.contains($0) }) else { return false }
        return bucket.first != "-" && bucket.last != "-"
    }
}
