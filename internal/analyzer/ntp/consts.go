package ntp

import "strconv"

// Mode is the association mode of an NTP message (RFC 5905 §7.3, RFC 1305
// appendix B for mode 6, ntpd's ntp_request.h for mode 7).
type Mode uint8

// The modes.
const (
	ModeReserved         Mode = 0
	ModeSymmetricActive  Mode = 1
	ModeSymmetricPassive Mode = 2
	ModeClient           Mode = 3
	ModeServer           Mode = 4
	ModeBroadcast        Mode = 5
	ModeControl          Mode = 6
	ModePrivate          Mode = 7
)

var modeNames = [8]string{"reserved", "symmetric active", "symmetric passive", "client", "server", "broadcast", "control", "private"}

// String returns the mode's name ("client", "server", ...).
func (m Mode) String() string { return modeNames[m&7] }

// parseMode reads a mode given as a number or a name.
func parseMode(s string) (Mode, bool) {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 7 {
		return Mode(n), true
	}
	for i, n := range modeNames {
		if n == s {
			return Mode(i), true
		}
	}
	return 0, false
}

// leapNames are the leap indicator's values (RFC 5905 figure 9).
var leapNames = [4]string{"no warning", "last minute has 61 seconds", "last minute has 59 seconds", "unsynchronized"}

// kissCodes are the kiss codes of RFC 5905 §7.4 with what they mean.
var kissCodes = map[string]string{
	"ACST": "the association belongs to a unicast server",
	"AUTH": "server authentication failed",
	"AUTO": "autokey sequence failed",
	"BCST": "the association belongs to a broadcast server",
	"CRYP": "cryptographic authentication or identification failed",
	"DENY": "access denied by remote server",
	"DROP": "lost peer in symmetric mode",
	"RSTR": "access denied due to local policy",
	"INIT": "the association has not yet synchronized for the first time",
	"MCST": "the association belongs to a dynamically discovered server",
	"NKEY": "no key found",
	"NTSN": "network time security negative acknowledgment",
	"RATE": "rate exceeded: the server has temporarily denied access because the client exceeded the rate threshold",
	"RMOT": "alteration of association from a remote host running ntpdc",
	"STEP": "a step change in system time has occurred, but the association has not yet resynchronized",
}

// isKiss reports a kiss code that tells the client to stop or slow down
// (RFC 5905 §7.4: DENY and RSTR end the association, RATE asks for a
// longer poll): a kiss-o'-death. The other codes are states an
// unsynchronized server reports (INIT, STEP, ...).
func isKiss(code string) bool { return code == "DENY" || code == "RSTR" || code == "RATE" }

// privateCodes names the mode 7 request codes of ntpd's ntp_request.h that
// matter here; others are shown by number.
var privateCodes = map[uint8]string{
	0: "PEER_LIST", 1: "PEER_LIST_SUM", 2: "PEER_INFO", 3: "PEER_STATS", 4: "SYS_INFO", 5: "SYS_STATS",
	6: "IO_STATS", 7: "MEM_STATS", 8: "LOOP_INFO", 9: "TIMER_STATS", 10: "CONFIG", 11: "UNCONFIG",
	12: "SET_SYS_FLAG", 13: "CLR_SYS_FLAG", 16: "GET_RESTRICT", 17: "RESADDFLAGS", 18: "RESSUBFLAGS",
	19: "UNRESTRICT", 20: "MON_GETLIST", 21: "RESET_STATS", 22: "RESET_PEER", 23: "REREAD_KEYS",
	26: "TRUSTKEY", 27: "UNTRUSTKEY", 28: "AUTHINFO", 29: "TRAPS", 30: "ADD_TRAP", 31: "CLR_TRAP",
	32: "REQUEST_KEY", 33: "CONTROL_KEY", 34: "GET_CTLSTATS", 38: "GET_CLOCKINFO", 39: "SET_CLKFUDGE",
	40: "GET_KERNEL", 41: "GET_CLKBUGINFO", 42: "MON_GETLIST_1", 43: "HOSTNAME_ASSOCID", 44: "IF_STATS",
	45: "IF_RELOAD",
}

// isMonlist reports the mode 7 request codes that list the monitor
// table: the 600-address answer NTP reflection attacks abuse.
func isMonlist(code uint8) bool { return code == 20 || code == 42 }

func privateCodeName(c uint8) string {
	if n, ok := privateCodes[c]; ok {
		return n
	}
	return "request " + strconv.Itoa(int(c))
}

// controlOps names the mode 6 opcodes (RFC 9327 §2.1 and ntpd).
var controlOps = [32]string{0: "unspecified", 1: "READSTAT", 2: "READVAR", 3: "WRITEVAR", 4: "READCLOCK", 5: "WRITECLOCK",
	6: "SETTRAP", 7: "ASYNCMSG", 8: "CONFIGURE", 9: "SAVECONFIG", 10: "READ_MRU", 11: "READ_ORDLIST_A", 12: "REQ_NONCE", 31: "UNSETTRAP"}

func controlOpName(op uint8) string {
	if n := controlOps[op&31]; n != "" {
		return n
	}
	return "opcode " + strconv.Itoa(int(op&31))
}
