package flow

import (
	"net/netip"
	"testing"
)

// TestCommunityID checks values that tshark 4.0 computed for frames of the
// shared corpus (truth/*.communityid.tsv): both directions of a flow give
// the same ID; a one-way ICMP message keeps its direction.
func TestCommunityID(t *testing.T) {
	a6, b6 := netip.MustParseAddr("2001:470:e5bf:dead:4957:2174:e82c:4887"), netip.MustParseAddr("2607:f8b0:400c:c03::1a")
	router, host := netip.MustParseAddr("192.168.1.1"), netip.MustParseAddr("192.168.1.102")
	sp, dp, oneWay := ICMPPorts(false, 3, 3)
	cases := []struct {
		name             string
		src, dst         netip.Addr
		proto            uint8
		sport, dport     uint16
		hasPorts, oneWay bool
		want             string
	}{
		// ipv6-tcp-udp-communityid-zeek.pcap frames 1 and 2.
		{"tcp v6", a6, b6, ProtoTCP, 63943, 25, true, false, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
		{"tcp v6 reply", b6, a6, ProtoTCP, 25, 63943, true, false, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
		// icmp-dest-unreach-port-udp-zeek.pcap frame 1: port unreachable.
		{"icmp one-way", host, router, ProtoICMP, sp, dp, true, oneWay, "1:GGvyj18dEx42K7edkkcDklsnKqs="},
		{"mixed families", router, a6, ProtoTCP, 1, 2, true, false, ""},
	}
	for _, c := range cases {
		if got := CommunityID(c.src, c.dst, c.proto, c.sport, c.dport, c.hasPorts, c.oneWay); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestICMPPorts(t *testing.T) {
	for _, c := range []struct {
		v6        bool
		typ, code uint8
		sp, dp    uint16
		oneWay    bool
	}{
		{false, 8, 0, 8, 0, false},    // echo request: counterpart reply
		{false, 0, 0, 0, 8, false},    // echo reply
		{false, 3, 1, 3, 1, true},     // unreachable: type and code
		{false, 13, 0, 13, 14, false}, // timestamp
		{true, 128, 0, 128, 129, false},
		{true, 135, 0, 135, 136, false},
		{true, 1, 4, 1, 4, true},
	} {
		sp, dp, ow := ICMPPorts(c.v6, c.typ, c.code)
		if sp != c.sp || dp != c.dp || ow != c.oneWay {
			t.Errorf("ICMPPorts(%v, %d, %d) = %d, %d, %v; want %d, %d, %v", c.v6, c.typ, c.code, sp, dp, ow, c.sp, c.dp, c.oneWay)
		}
	}
}

// TestRSTOS0 checks the history pattern of Zeek's RSTOS0, /^?S[^HAFGIQ]*R.*/.
func TestRSTOS0(t *testing.T) {
	for h, want := range map[string]bool{"SR": true, "^SR": true, "STR": true, "SAR": false, "ShR": true, "R": false, "SF": false, "SFR": false} {
		if got := rstos0(h); got != want {
			t.Errorf("rstos0(%q) = %v, want %v", h, got, want)
		}
	}
}

// TestScaledLetters checks that t, w and g are recorded at the 1st, 10th and
// 100th occurrence.
func TestScaledLetters(t *testing.T) {
	var c Conn
	c.init(ProtoTCP)
	var n, th uint32
	for range 150 {
		c.scaled(true, 'T', &n, &th)
	}
	if got := c.History(); got != "TTT" {
		t.Errorf("history %q, want TTT", got)
	}
}
