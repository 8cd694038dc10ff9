import Crypto
import Foundation

/// The pure building blocks of AWS Signature Version 4: hashing, RFC 3986 encoding and the two
/// timestamp forms. Everything here is deterministic; the signer composes it.
public enum SigV4 {
    /// The only algorithm this module signs with (the first line of every string to sign).
    public static let algorithm = "AWS4-HMAC-SHA256"

    /// Hex SHA-256 of an empty body; AWS documents it as the payload hash of bodiless requests.
    public static let emptyPayloadSHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// Lowercase hex SHA-256 of `data`.
    public static func sha256Hex(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// Lowercase hex SHA-256 of the UTF-8 bytes of `text`.
    public static func sha256Hex(_ text: String) -> String {
        hex(SHA256.hash(data: Data(text.utf8)))
    }

    /// RFC 3986 percent-encoding as SigV4 defines it: the unreserved set `A-Z a-z 0-9 - _ . ~`
    /// passes through, every other UTF-8 byte becomes `%XX` with uppercase hex. `/` passes
    /// through only when `encodeSlash` is false (paths); query names and values encode it.
    public static func uriEncode(_ s: String, encodeSlash: Bool) -> String {
        uriEncode(bytes: s.utf8, encodeSlash: encodeSlash)
    }

    /// `X-Amz-Date` form of `date` in UTC, e.g. `20150830T123600Z` (fractional seconds dropped).
    public static func amzDate(_ date: Date) -> String {
        // Every request is stamped (three times in one signing): plain arithmetic on the seconds
        // since 1970 for years 1970–9999, the calendar for anything else.
        let seconds = date.timeIntervalSince1970.rounded(.down)
        if seconds >= 0, seconds < 253_402_300_800 {
            let total = Int(seconds)
            let (year, month, day) = civil(days: Int64(total / 86_400))
            let time = total % 86_400
            return pad(Int(year), 4) + pad(Int(month), 2) + pad(Int(day), 2) + "T" + pad(time / 3600, 2)
                + pad(time / 60 % 60, 2) + pad(time % 60, 2) + "Z"
        }
        return calendarAmzDate(date)
    }

    /// The calendar's `X-Amz-Date` of `date`: the reference `amzDate` agrees with.
    static func calendarAmzDate(_ date: Date) -> String {
        let c = utcCalendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return pad(c.year ?? 0, 4) + pad(c.month ?? 0, 2) + pad(c.day ?? 0, 2) + "T" + pad(c.hour ?? 0, 2)
            + pad(c.minute ?? 0, 2) + pad(c.second ?? 0, 2) + "Z"
    }

    /// The `YYYYMMDD` date of the credential scope, in UTC.
    public static func dateStamp(_ date: Date) -> String {
        String(amzDate(date).prefix(8))
    }

    // MARK: - Internals shared by the signer

    static func uriEncode<Bytes: Sequence>(bytes: Bytes, encodeSlash: Bool) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 3)
        for byte in bytes {
            if isUnreserved(byte) || (byte == UInt8(ascii: "/") && !encodeSlash) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(upperHexDigits[Int(byte >> 4)])
                out.append(upperHexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` escapes to raw bytes. A `%` not followed by two hex digits stays literal,
    /// and `+` stays `+`: SigV4 query components are RFC 3986, not HTML-form encoded.
    static func percentDecode(_ s: Substring) -> [UInt8] {
        let bytes = Array(s.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count,
                let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2])
            {
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }

    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        for byte in bytes {
            out.append(lowerHexDigits[Int(byte >> 4)])
            out.append(lowerHexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hex<D: Digest>(_ digest: D) -> String {
        hex(Array(digest))
    }

    /// Byte-wise (code unit) ordering, which is what AWS sorts by; `String.<` compares
    /// Unicode canonical equivalents and is not the same thing outside ASCII.
    static func utf8Precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static let upperHexDigits = Array("0123456789ABCDEF".utf8)
    private static let lowerHexDigits = Array("0123456789abcdef".utf8)

    private static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// Proleptic Gregorian year, month and day of a day count since 1970-01-01 (negative before
    /// it), by the era arithmetic of Hinnant's `civil_from_days`. Shared with the timestamp
    /// formatting of AWS answers.
    public static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
