import Foundation
import Testing

@testable import MnemondSystemd

/// The sd_notify protocol as values: what goes into a datagram, where it goes, and when.
@Suite struct SystemdNotifyTests {
    @Test func notificationsAreNewlineSeparatedAssignments() {
        #expect(
            SystemdNotification.datagram([.ready, .status("8 ok, next in 1m")]) == "READY=1\nSTATUS=8 ok, next in 1m")
        #expect(
            SystemdNotification.datagram([.reloading(monotonicMicroseconds: 12_345_678)])
                == "RELOADING=1\nMONOTONIC_USEC=12345678")
        #expect(SystemdNotification.datagram([.stopping]) == "STOPPING=1")
        #expect(SystemdNotification.datagram([.watchdog]) == "WATCHDOG=1")
        // A STATUS= value is one line: a newline would start a new (bogus) assignment.
        #expect(SystemdNotification.datagram([.status("a\nWATCHDOG=1")]) == "STATUS=a WATCHDOG=1")
    }

    struct EnvironmentCase: Sendable, CustomTestStringConvertible {
        var name: String
        var environment: [String: String]
        var active: Bool
        var ping: Duration?
        var testDescription: String { name }
    }

    @Test(arguments: [
        EnvironmentCase(name: "not under systemd", environment: [:], active: false, ping: nil),
        EnvironmentCase(
            name: "notify, no watchdog", environment: ["NOTIFY_SOCKET": "/run/systemd/notify"], active: true, ping: nil),
        EnvironmentCase(
            name: "watchdog pinged at half WATCHDOG_USEC",
            environment: ["NOTIFY_SOCKET": "@sd", "WATCHDOG_USEC": "30000000"], active: true, ping: .seconds(15)),
        EnvironmentCase(
            name: "watchdog meant for this pid",
            environment: ["NOTIFY_SOCKET": "@sd", "WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "4242"], active: true,
            ping: .seconds(1)),
        EnvironmentCase(
            name: "watchdog meant for another pid",
            environment: ["NOTIFY_SOCKET": "@sd", "WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"], active: true,
            ping: nil),
        EnvironmentCase(name: "empty NOTIFY_SOCKET", environment: ["NOTIFY_SOCKET": ""], active: false, ping: nil),
    ])
    func environment(_ c: EnvironmentCase) {
        let notifier = SystemdNotifier(environment: c.environment, pid: 4242)
        #expect(notifier.isActive == c.active)
        #expect(notifier.watchdogPingInterval == c.ping)
    }

    @Test func withoutNotifySocketEveryCallIsANoOp() throws {
        try SystemdNotifier(environment: [:]).notify(.ready, .status("x"))
    }

    @Test func aPathIsNulTerminatedAndAnAbstractNameIsNot() throws {
        let offset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        let path = try #require(SystemdNotifier.address("/run/systemd/notify"))
        #expect(Int(path.length) == offset + "/run/systemd/notify".utf8.count + 1)
        let abstract = try #require(SystemdNotifier.address("@mnemond/test"))
        #expect(Int(abstract.length) == offset + "mnemond/test".utf8.count + 1)
        var storage = abstract.storage
        let first = withUnsafeBytes(of: &storage.sun_path) { $0[0] }
        #expect(first == 0)
        #expect(SystemdNotifier.address("relative/path") == nil)
        #expect(SystemdNotifier.address("/" + String(repeating: "x", count: 200)) == nil)
    }

    @Test func anUnreachableSocketIsATypedErrorNamingIt() {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent/mnemond-notify"])
        #expect(throws: SystemdNotifyError.self) { try notifier.notify(.ready) }
        do {
            try notifier.notify(.ready)
        } catch {
            #expect(error.description == "NOTIFY_SOCKET=/nonexistent/mnemond-notify: sendto: No such file or directory")
        }
    }
}
