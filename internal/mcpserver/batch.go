package mcpserver

import (
	"bytes"
	"encoding/json"
)

// JSON-RPC batches are refused on both transports: the protocol dropped
// them in 2025-06-18, and a batch would let one message carry any number of
// calls. Each call of a refused batch gets an error with its id.

const batchMessage = "JSON-RPC batches are not accepted by this server; send one request per message"

// codeInvalidRequest is JSON-RPC's "Invalid Request".
const codeInvalidRequest = -32600

// isBatch reports whether a message is a JSON array (a batch).
func isBatch(msg []byte) bool {
	msg = bytes.TrimLeft(msg, " \t\r\n")
	return len(msg) > 0 && msg[0] == '['
}

type rpcError struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Error   struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func errorResponse(id json.RawMessage, code int, msg string) rpcError {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	e := rpcError{JSONRPC: "2.0", ID: id}
	e.Error.Code, e.Error.Message = code, msg
	return e
}

// batchRefusal answers a refused batch: an array with an error for each
// call it holds, or one error with a null id when no call can be read.
func batchRefusal(batch []byte) []byte {
	var elems []struct {
		ID json.RawMessage `json:"id"`
	}
	var out []rpcError
	if json.Unmarshal(batch, &elems) == nil {
		for _, e := range elems {
			if len(e.ID) > 0 && string(e.ID) != "null" {
				out = append(out, errorResponse(e.ID, codeInvalidRequest, batchMessage))
			}
		}
	}
	var b []byte
	if len(out) == 0 {
		b, _ = json.Marshal(errorResponse(nil, codeInvalidRequest, batchMessage))
	} else {
		b, _ = json.Marshal(out)
	}
	return b
}
