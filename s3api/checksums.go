package s3api

import (
	"github.com/cairnstore/cairn/blob/checksum"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// xmlChecksums renders a stored checksum as the checksum elements of a response.
func xmlChecksums(sum checksum.Checksum) s3xml.Checksums {
	var out s3xml.Checksums
	switch sum.Algorithm {
	case checksum.CRC32:
		out.ChecksumCRC32 = sum.Value
	case checksum.CRC32C:
		out.ChecksumCRC32C = sum.Value
	case checksum.CRC64NVME:
		out.ChecksumCRC64NVME = sum.Value
	case checksum.SHA1:
		out.ChecksumSHA1 = sum.Value
	case checksum.SHA256:
		out.ChecksumSHA256 = sum.Value
	default:
		return out
	}
	out.ChecksumType = string(sum.Type)
	return out
}

// partChecksum reads the checksum a client lists for a part in CompleteMultipartUpload.
func partChecksum(x s3xml.Checksums) checksum.Checksum {
	for alg, v := range map[checksum.Algorithm]string{
		checksum.CRC32: x.ChecksumCRC32, checksum.CRC32C: x.ChecksumCRC32C,
		checksum.CRC64NVME: x.ChecksumCRC64NVME, checksum.SHA1: x.ChecksumSHA1, checksum.SHA256: x.ChecksumSHA256,
	} {
		if v != "" {
			return checksum.Checksum{Algorithm: alg, Value: v}
		}
	}
	return checksum.Checksum{}
}
