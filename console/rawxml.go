package console

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/cairnstore/cairn/s3api/admin"
	"github.com/cairnstore/cairn/s3api/admin/client"
)

// rawS3 sends one S3 request with a raw XML body (nil for none) on a bucket's
// subresource (e.g. "lifecycle"), signed as the session's user and served in
// process like every console request, and returns the answer's body. The settings
// pages use it for the "raw XML" editors, so that the document the user typed
// reaches the S3 API byte for byte and its refusal (code and message) is the API's
// own. An S3 error comes back as a *client.Error, which apiError reads.
func (c *Console) rawS3(r *http.Request, s *session, method, bucket, subresource string, body []byte) ([]byte, error) {
	u := "http://" + internalHost + "/" + url.PathEscape(bucket) + "?" + subresource
	req, err := http.NewRequestWithContext(r.Context(), method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	req.Header.Set("User-Agent", userAgent(r))
	if body != nil {
		m := md5.Sum(body)
		req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(m[:]))
		req.Header.Set("Content-Type", "application/xml")
	}
	creds := aws.Credentials{AccessKeyID: s.accessKey, SecretAccessKey: s.secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, "s3", c.cfg.Region, c.now()); err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Transport: c.transport(c.deps.S3, r)}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxFormBytes))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		var e struct{ Code, Message string }
		_ = xml.Unmarshal(data, &e)
		if e.Code == "" {
			e.Code, e.Message = http.StatusText(resp.StatusCode), string(data)
		}
		return nil, &client.Error{Status: resp.StatusCode, Code: admin.Code(e.Code), Message: e.Message}
	}
	return data, nil
}

// indentXML pretty-prints an XML document for the editor, without its XML
// declaration; as given if it cannot.
func indentXML(doc []byte) string {
	var out bytes.Buffer
	dec := xml.NewDecoder(bytes.NewReader(doc))
	enc := xml.NewEncoder(&out)
	enc.Indent("", "  ")
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return string(doc)
		}
		switch t := tok.(type) {
		case xml.ProcInst:
			continue // the <?xml ...?> declaration: not needed by the S3 API
		case xml.CharData:
			if len(bytes.TrimSpace(t)) == 0 {
				continue
			}
		case xml.StartElement:
			// The default namespace stays as the xmlns attribute the document had;
			// the encoder would otherwise add its own to every element.
			t.Name.Space = ""
			tok = t
		case xml.EndElement:
			t.Name.Space = ""
			tok = t
		}
		if err := enc.EncodeToken(xml.CopyToken(tok)); err != nil {
			return string(doc)
		}
	}
	if enc.Flush() != nil {
		return string(doc)
	}
	return out.String()
}
