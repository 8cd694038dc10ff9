import Foundation

/// Where a request goes and which region it is signed for.
public struct ResolvedEndpoint: Sendable, Equatable {
    public var url: URL
    public var signingRegion: String
    /// True when an `AWS_ENDPOINT_URL*` override chose it.
    public var isCustom: Bool
}

/// Regional endpoints as the SDKs build them, with the SDKs' endpoint overrides:
/// `AWS_ENDPOINT_URL_<SERVICE_ID>` beats `AWS_ENDPOINT_URL`; `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`
/// disables both.
public struct EndpointResolver: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func customEndpoint(for service: AWSService) -> URL? {
        if environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() == "true" { return nil }
        let specific = "AWS_ENDPOINT_URL_" + service.serviceID.uppercased().replacingOccurrences(of: " ", with: "_")
        for name in [specific, "AWS_ENDPOINT_URL"] {
            if let value = environment[name], !value.isEmpty, let url = URL(string: value), url.host != nil {
                return url
            }
        }
        return nil
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
