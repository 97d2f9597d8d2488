package tls

import (
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyWeakCipher is the finding type of the weak cipher suite detector.
const AnomalyWeakCipher = "weak_cipher_suite"

// weakCipher flags selected cipher suites without encryption or
// authentication or with broken algorithms (NULL, EXPORT, anonymous, RC4,
// DES, 3DES: high), and CBC suites with SHA-1 MACs negotiated in TLS 1.2
// (low), one finding per suite. It has no threshold.
var weakCipher = analyzer.Detector[*session, *observer]{
	Type: AnomalyWeakCipher,
	New: func(analyzer.Thresholds) analyzer.Unit[*session, *observer] {
		return analyzer.Concluder[*session, *observer](func(o *observer, add func(result.Finding)) {
			bySuite := map[uint16][]*session{}
			var order []uint16
			for _, s := range o.sessions {
				if s.sh == nil || weakness(s.sh.ciphers[0], s.version()) == "" {
					continue
				}
				c := s.sh.ciphers[0]
				if bySuite[c] == nil {
					order = append(order, c)
				}
				bySuite[c] = append(bySuite[c], s)
			}
			for _, c := range order {
				ss := bySuite[c]
				why := weakness(c, ss[0].version())
				sev := result.High
				if why == "CBC with SHA-1" {
					sev = result.Low
				}
				gs := groupByServer(ss, func(s *session) int { return s.shFrame }, sniOf)
				add(result.NewFinding(AnomalyWeakCipher, sev,
					fmt.Sprintf("%s selected %s (%s) on %s: %v", plural(len(ss), "session", "sessions"), cipherName(c), why, plural(len(gs), "server", "servers"), servers(gs)),
					evidence(gs), map[string]any{"cipher_suite": cipherName(c), "weakness": why, "sessions": len(ss), "servers": servers(gs)}))
			}
		})
	},
}

// weakness classifies a selected cipher suite: "" when not weak.
func weakness(c uint16, version uint16) string {
	switch c {
	case 0x0000, 0x0001, 0x0002, 0x002c, 0x002d, 0x002e, 0x003b, 0x00b0, 0x00b1, 0x00b4, 0x00b5, 0x00b8, 0x00b9,
		0xc001, 0xc006, 0xc00b, 0xc010, 0xc015, 0xc039, 0xc03a, 0xc03b:
		return "NULL encryption"
	case 0x0003, 0x0006, 0x0008, 0x000b, 0x000e, 0x0011, 0x0014, 0x0017, 0x0019, 0x0026, 0x0027, 0x0028, 0x0029,
		0x002a, 0x002b, 0x0060, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065:
		return "EXPORT grade"
	case 0x0018, 0x001a, 0x001b, 0x0034, 0x003a, 0x0046, 0x006c, 0x006d, 0x0089, 0x009b, 0x00a6, 0x00a7, 0x00bf,
		0x00c5, 0xc016, 0xc017, 0xc018, 0xc019:
		return "anonymous key exchange"
	case 0x0004, 0x0005, 0x0020, 0x0024, 0x008a, 0x008e, 0x0092, 0xc002, 0xc007, 0xc00c, 0xc011, 0xc033, 0x0066:
		return "RC4"
	case 0x0009, 0x000c, 0x000f, 0x0012, 0x0015, 0x001e, 0x0022:
		return "DES"
	case 0x000a, 0x000d, 0x0010, 0x0013, 0x0016, 0x001f, 0x0023, 0x008b, 0x008f, 0x0093, 0xc003, 0xc008, 0xc00d,
		0xc012, 0xc01a, 0xc01b, 0xc01c, 0xc034:
		return "3DES"
	case 0x002f, 0x0030, 0x0031, 0x0032, 0x0033, 0x0035, 0x0036, 0x0037, 0x0038, 0x0039, 0x0041, 0x0042, 0x0043,
		0x0044, 0x0045, 0x0084, 0x0085, 0x0086, 0x0087, 0x0088, 0x008c, 0x008d, 0x0090, 0x0091, 0x0094, 0x0095,
		0x0096, 0x0097, 0x0098, 0x0099, 0x009a, 0xc004, 0xc005, 0xc009, 0xc00a, 0xc00e, 0xc00f, 0xc013, 0xc014,
		0xc01d, 0xc01e, 0xc01f, 0xc020, 0xc021, 0xc022, 0xc035, 0xc036:
		if version == 0x0303 {
			return "CBC with SHA-1"
		}
	}
	return ""
}
