package capinfos

import "github.com/mcpacket/mcpacket/internal/result"

// Input is the argument object of analyze_capinfos.
type Input struct {
	PcapFile string `json:"pcap_file" jsonschema:"path or http(s) URL"`
	Limit    int    `json:"limit,omitempty" jsonschema:"interfaces per page (default 50)"`
	Offset   int    `json:"offset,omitempty"`
}

// Output is the result of analyze_capinfos. The first block of fields has the
// names and meaning of mcpcap's analyze_capinfos; the rest are additions.
type Output struct {
	// FileSizeBytes is the size of the capture file as stored (compressed
	// size for a gzip file).
	FileSizeBytes int64 `json:"file_size_bytes" jsonschema:"size of the file in bytes, as stored (compressed size for gzip)"`
	// Filename is the last path element of the capture reference.
	Filename string `json:"filename" jsonschema:"base name of the capture"`
	// FileEncapsulation is Wireshark's name for the link type of the file
	// ("Ethernet"), or "Per packet" when interfaces differ.
	FileEncapsulation string `json:"file_encapsulation" jsonschema:"link-layer encapsulation of the file, by Wireshark's name (Ethernet, Linux cooked-mode capture v2, Raw IP, ...), or Per packet when interfaces differ"`
	PacketCount       int    `json:"packet_count" jsonschema:"packets in the capture"`
	// DataSizeBytes sums the original (on the wire) packet lengths, as
	// capinfos does.
	DataSizeBytes int64 `json:"data_size_bytes" jsonschema:"sum of the packets' original (on-the-wire) lengths, as capinfos reports it"`
	// CaptureDurationSeconds is last minus first packet time (by time, not
	// file order).
	CaptureDurationSeconds float64 `json:"capture_duration_seconds" jsonschema:"seconds between the earliest and the latest packet"`
	FirstPacketTime        *string `json:"first_packet_time" jsonschema:"earliest packet time, RFC 3339 UTC with nanoseconds; null when there are no packets"`
	LastPacketTime         *string `json:"last_packet_time" jsonschema:"latest packet time, RFC 3339 UTC with nanoseconds; null when there are no packets"`
	// Rates are null when the capture spans no time (fewer than two distinct
	// timestamps), where capinfos prints n/a.
	DataRateBytes          *float64 `json:"data_rate_bytes" jsonschema:"data_size_bytes per second of capture; null when the duration is zero"`
	DataRateBits           *float64 `json:"data_rate_bits" jsonschema:"data rate in bits per second; null when the duration is zero"`
	AveragePacketSizeBytes *float64 `json:"average_packet_size_bytes" jsonschema:"data_size_bytes / packet_count; null when there are no packets"`
	AveragePacketRate      *float64 `json:"average_packet_rate" jsonschema:"packets per second; null when the duration is zero"`

	// Additions beyond mcpcap.
	File                     string          `json:"file" jsonschema:"the capture reference as given"`
	Format                   string          `json:"format" jsonschema:"file format: pcap (microsecond), nsecpcap (nanosecond) or pcapng"`
	FileType                 string          `json:"file_type" jsonschema:"file type as capinfos prints it, e.g. pcapng or pcap (gzip compressed)"`
	Compression              string          `json:"compression" jsonschema:"gzip or none"`
	ByteOrder                string          `json:"byte_order" jsonschema:"byte order of the file headers: little-endian or big-endian"`
	FormatVersion            string          `json:"format_version" jsonschema:"format version from the file header (2.4 for pcap, 1.0 for pcapng)"`
	TimestampPrecision       string          `json:"timestamp_precision" jsonschema:"timestamp precision: microseconds, nanoseconds, mixed, or another power of ten"`
	TimestampDigits          int             `json:"timestamp_precision_digits" jsonschema:"decimal digits of the finest interface timestamp precision (6 = microseconds, 9 = nanoseconds)"`
	FileEncapsulationShort   string          `json:"file_encapsulation_short" jsonschema:"Wireshark's short encapsulation name as capinfos prints it (ether, linux-sll, rawip, per-packet)"`
	LinkType                 *int            `json:"link_type" jsonschema:"LINKTYPE_ number of the file; null when interfaces differ (per packet)"`
	Encapsulations           []Encapsulation `json:"encapsulations" jsonschema:"packets per link-layer encapsulation actually used"`
	SnaplenBytes             *int64          `json:"snaplen_bytes" jsonschema:"snapshot length from the pcap file header or the first pcapng interface; null when not set"`
	CapturedBytes            int64           `json:"captured_bytes" jsonschema:"sum of captured lengths (data_size_bytes minus what snaplen cut off)"`
	PacketsCutBySnaplen      int             `json:"packets_cut_by_snaplen" jsonschema:"packets captured shorter than they were on the wire"`
	LargestPacketBytes       int             `json:"largest_packet_bytes" jsonschema:"largest original packet length"`
	SmallestPacketBytes      int             `json:"smallest_packet_bytes" jsonschema:"smallest original packet length"`
	StrictTimeOrder          bool            `json:"strict_time_order" jsonschema:"true when every packet's time is at or after the previous packet's"`
	OutOfOrderPackets        int             `json:"out_of_order_packets" jsonschema:"packets whose time is earlier than the packet before them in the file"`
	SHA256                   string          `json:"sha256" jsonschema:"SHA-256 of the file as stored, hex"`
	PacketComments           int             `json:"packet_comments" jsonschema:"pcapng packet comments in the file"`
	Sections                 []Section       `json:"sections" jsonschema:"pcapng sections with their capture hardware, OS and application (first 100)"`
	SectionCount             int             `json:"section_count" jsonschema:"pcapng sections in the file (1 for pcap)"`
	InterfaceCount           int             `json:"interface_count" jsonschema:"capture interfaces in the file"`
	Interfaces               []Interface     `json:"interfaces" jsonschema:"capture interfaces, paged by limit/offset"`
	InterfacesPage           result.Page     `json:"interfaces_page" jsonschema:"paging of the interfaces list"`
	UndecodedLinkTypePackets int             `json:"undecoded_link_type_packets" jsonschema:"packets whose link type the protocol modules do not decode"`
	Warnings                 []string        `json:"warnings" jsonschema:"problems met while reading, e.g. capture truncated after packet N"`
}

// Encapsulation counts the packets of one link type.
type Encapsulation struct {
	LinkType  int    `json:"link_type" jsonschema:"LINKTYPE_ number"`
	Name      string `json:"name" jsonschema:"Wireshark's name for it"`
	ShortName string `json:"short_name" jsonschema:"Wireshark's short name"`
	Packets   int    `json:"packets" jsonschema:"packets with this encapsulation"`
}

// Section is one pcapng section header.
type Section struct {
	Index       int    `json:"index"`
	Hardware    string `json:"hardware,omitempty" jsonschema:"shb_hardware: capture hardware"`
	OS          string `json:"os,omitempty" jsonschema:"shb_os: capture operating system"`
	Application string `json:"application,omitempty" jsonschema:"shb_userappl: capture application"`
	Comment     string `json:"comment,omitempty" jsonschema:"section comment"`
}

// Interface is one capture interface (a pcapng IDB, or the single implicit
// interface of a pcap file).
type Interface struct {
	Index              int     `json:"index" jsonschema:"interface number across the whole file"`
	Section            int     `json:"section" jsonschema:"pcapng section the interface belongs to"`
	LinkType           int     `json:"link_type" jsonschema:"LINKTYPE_ number"`
	Encapsulation      string  `json:"encapsulation" jsonschema:"Wireshark's name for the link type"`
	EncapsulationShort string  `json:"encapsulation_short" jsonschema:"Wireshark's short name for the link type"`
	SnaplenBytes       *int64  `json:"snaplen_bytes" jsonschema:"capture length limit; null when not set"`
	Name               string  `json:"name,omitempty" jsonschema:"if_name"`
	Description        string  `json:"description,omitempty" jsonschema:"if_description"`
	Comment            string  `json:"comment,omitempty" jsonschema:"interface comment"`
	Filter             string  `json:"filter,omitempty" jsonschema:"capture filter"`
	OS                 string  `json:"os,omitempty" jsonschema:"if_os"`
	TimestampPrecision string  `json:"timestamp_precision" jsonschema:"timestamp precision, e.g. microseconds"`
	TimestampOffsetSec *uint64 `json:"timestamp_offset_seconds,omitempty" jsonschema:"if_tsoffset added to every timestamp"`
	Packets            int     `json:"packets" jsonschema:"packets captured on this interface"`
	Statistics         *Stats  `json:"statistics,omitempty" jsonschema:"the interface's last statistics block, when present"`
}

// Stats is a pcapng Interface Statistics Block.
type Stats struct {
	Received  *uint64 `json:"received,omitempty" jsonschema:"packets received by the interface (isb_ifrecv)"`
	Dropped   *uint64 `json:"dropped,omitempty" jsonschema:"packets dropped by the interface (isb_ifdrop)"`
	StartTime string  `json:"start_time,omitempty" jsonschema:"capture start (isb_starttime)"`
	EndTime   string  `json:"end_time,omitempty" jsonschema:"capture end (isb_endtime)"`
	Comment   string  `json:"comment,omitempty"`
	Blocks    int     `json:"blocks" jsonschema:"statistics blocks seen for the interface"`
}
