package capinfos

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// UploadInput is the argument object of upload_capture.
type UploadInput struct {
	Name       string `json:"name" jsonschema:"a file name for a new upload (letters, digits, . _ -), or with append the name a previous call returned"`
	DataBase64 string `json:"data_base64" jsonschema:"the capture's bytes (or the next part of them), base64"`
	Append     bool   `json:"append,omitempty" jsonschema:"add data_base64 to the end of the upload name (a name an earlier call returned)"`
}

// UploadOutput is the result of upload_capture.
type UploadOutput struct {
	Name      string `json:"name" jsonschema:"the stored upload's name: pass it as pcap_file to any tool, and as name with append to add more"`
	Path      string `json:"path" jsonschema:"the upload's absolute path on the server (also a valid pcap_file)"`
	SizeBytes int64  `json:"size_bytes" jsonschema:"the upload's size so far"`
	Format    string `json:"format" jsonschema:"pcap, pcapng, pcap.gz or pcapng.gz, from its first bytes"`
	Expires   string `json:"expires" jsonschema:"when the server removes it unless written to again, RFC 3339 UTC"`
	MaxBytes  int64  `json:"max_call_bytes" jsonschema:"the most data one call may carry, decoded; send a larger capture in parts with append"`
}

func uploadTool() analyzer.Tool {
	return analyzer.NewTool(analyzer.Tool{
		Name:         "upload_capture",
		Title:        "Upload a capture",
		Description:  "Store a capture sent as base64 on the server (for clients that cannot share files with it); returns the name to pass as pcap_file. A large capture goes in parts: the first call makes the upload, the next ones add to it with append. Uploads expire.",
		NeedsUploads: true,
	}, upload, writeUpload)
}

func upload(ctx context.Context, env *analyzer.Env, in UploadInput) (*UploadOutput, error) {
	if env.Upload == nil {
		return nil, errors.New("this server keeps no uploads (it runs without --upload-dir)")
	}
	limit := env.MaxUploadCallBytes
	if limit > 0 && int64(base64.StdEncoding.DecodedLen(len(in.DataBase64))) > limit+2 {
		return nil, fmt.Errorf("data_base64: more than %d bytes in one call; send the capture in parts of at most that size, the first with append false and the others with append true and the name the first returned", limit)
	}
	data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(in.DataBase64))
	if err != nil {
		return nil, fmt.Errorf("data_base64: not valid base64 (standard alphabet, padded): %v", err)
	}
	if limit > 0 && int64(len(data)) > limit {
		return nil, fmt.Errorf("data_base64: %d bytes in one call, over the limit of %d; send the capture in parts with append", len(data), limit)
	}
	if len(data) == 0 {
		return nil, errors.New("data_base64: empty; send the capture's bytes")
	}
	up, err := env.Upload(ctx, in.Name, bytes.NewReader(data), in.Append)
	if err != nil {
		return nil, err
	}
	return &UploadOutput{Name: up.Name, Path: up.Path, SizeBytes: up.Size, Format: up.Format,
		Expires: result.FormatTime(up.Expires), MaxBytes: limit}, nil
}

func writeUpload(w io.Writer, o *UploadOutput) error {
	_, err := fmt.Fprintf(w, "Stored %s (%s, %d bytes), expires %s\nPass it as pcap_file: %s\n", o.Name, o.Format, o.SizeBytes, o.Expires, o.Name)
	return err
}
