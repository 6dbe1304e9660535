"""boto3, with its default configuration, against a running Cairn node.

Run by tests/clients/run.sh, which starts the node and sets CAIRN_S3_ENDPOINT,
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_DEFAULT_REGION. Every check runs even
if an earlier one failed; the last line is "N passed, M failed" and the exit status is
non-zero if any failed. Content is compared by SHA-256.
"""

import concurrent.futures
import hashlib
import os
import secrets
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
import uuid

import boto3
import botocore.config
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

ENDPOINT = os.environ["CAIRN_S3_ENDPOINT"]
REGION = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")

# The default client: no signature, checksum or addressing settings of our own.
s3 = boto3.client("s3", endpoint_url=ENDPOINT, region_name=REGION)

BUCKET = "boto3-" + secrets.token_hex(4)
TMP = tempfile.mkdtemp(prefix="cairn-boto3-")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def error_code(fn, *args, **kwargs):
    """Calls fn and returns the S3 error code of the ClientError it raises."""
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError("%s succeeded; an error was expected" % fn.__name__)


def fetch(url, data=None, headers=None):
    """Returns (status, body) of an HTTP request made with urllib, errors included."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def get_body(key, **kwargs):
    return s3.get_object(Bucket=BUCKET, Key=key, **kwargs)["Body"].read()


# ---- the checks, in order --------------------------------------------------------


def test_create_bucket():
    s3.create_bucket(Bucket=BUCKET)
    s3.head_bucket(Bucket=BUCKET)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert BUCKET in names, names


def test_put_small_with_metadata():
    body = b"hello, cairn\n" * 10
    s3.put_object(
        Bucket=BUCKET,
        Key="small/hello.txt",
        Body=body,
        ContentType="text/plain; charset=utf-8",
        Metadata={"colour": "blue", "answer": "42"},
    )
    head = s3.head_object(Bucket=BUCKET, Key="small/hello.txt")
    assert head["ContentLength"] == len(body), head
    assert head["ContentType"] == "text/plain; charset=utf-8", head["ContentType"]
    assert head["ETag"] == '"%s"' % hashlib.md5(body).hexdigest(), head["ETag"]
    got = s3.get_object(Bucket=BUCKET, Key="small/hello.txt")
    assert got["ContentType"] == "text/plain; charset=utf-8", got["ContentType"]
    assert sha256(got["Body"].read()) == sha256(body)
    # S3 returns user metadata as it was sent: lower-case x-amz-meta-* names.
    assert head["Metadata"] == {"colour": "blue", "answer": "42"}, "HEAD metadata %s" % head["Metadata"]
    assert got["Metadata"] == {"colour": "blue", "answer": "42"}, "GET metadata %s" % got["Metadata"]


BIG_SIZE = 20 << 20
BIG_PATH = os.path.join(TMP, "big.bin")


def test_upload_file_multipart():
    with open(BIG_PATH, "wb") as f:
        f.write(os.urandom(BIG_SIZE))
    # The default TransferConfig: multipart above 8 MiB, in 8 MiB parts.
    s3.upload_file(BIG_PATH, BUCKET, "big.bin", Config=TransferConfig())
    head = s3.head_object(Bucket=BUCKET, Key="big.bin")
    assert head["ContentLength"] == BIG_SIZE, head
    assert head["ETag"].strip('"').endswith("-3"), "not a 3-part upload: %s" % head["ETag"]


def test_download_file():
    out = os.path.join(TMP, "big.down")
    s3.download_file(BUCKET, "big.bin", out)
    assert file_sha256(out) == file_sha256(BIG_PATH)


def test_get_range():
    with open(BIG_PATH, "rb") as f:
        want = f.read()
    got = s3.get_object(Bucket=BUCKET, Key="big.bin", Range="bytes=100-1099")
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206, got["ResponseMetadata"]
    assert got["ContentRange"] == "bytes 100-1099/%d" % BIG_SIZE, got["ContentRange"]
    body = got["Body"].read()
    assert len(body) == 1000 and sha256(body) == sha256(want[100:1100])
    # A range across a block boundary (1 MiB blocks) and a suffix range.
    body = get_body("big.bin", Range="bytes=%d-%d" % ((1 << 20) - 10, (1 << 20) + 9))
    assert sha256(body) == sha256(want[(1 << 20) - 10 : (1 << 20) + 10])
    body = get_body("big.bin", Range="bytes=-500")
    assert sha256(body) == sha256(want[-500:])


def test_copy_object():
    s3.copy_object(
        Bucket=BUCKET, Key="copies/hello.txt", CopySource={"Bucket": BUCKET, "Key": "small/hello.txt"}
    )
    assert sha256(get_body("copies/hello.txt")) == sha256(get_body("small/hello.txt"))
    s3.copy_object(Bucket=BUCKET, Key="copies/big.bin", CopySource={"Bucket": BUCKET, "Key": "big.bin"})
    assert sha256(get_body("copies/big.bin")) == file_sha256(BIG_PATH)
    head = s3.head_object(Bucket=BUCKET, Key="copies/hello.txt")
    assert head["ContentType"] == "text/plain; charset=utf-8", head["ContentType"]
    # The default metadata directive is COPY.
    assert head["Metadata"] == {"colour": "blue", "answer": "42"}, "HEAD metadata %s" % head["Metadata"]


LIST_KEYS = 1100


def test_list_paginator():
    keys = ["many/%05d-%s" % (i, uuid.UUID(int=i * 7919).hex[:6]) for i in range(LIST_KEYS)]
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=BUCKET, Key=k, Body=k.encode()), keys))
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="many/"))
    got = [o["Key"] for p in pages for o in p.get("Contents", [])]
    assert len(pages) == 2, "%d pages for %d keys" % (len(pages), LIST_KEYS)
    assert len(got) == LIST_KEYS, len(got)
    assert got == sorted(keys), "keys out of order or wrong"
    assert pages[0]["IsTruncated"] and not pages[1]["IsTruncated"]
    assert pages[0]["KeyCount"] == 1000, pages[0]["KeyCount"]


def test_delete_objects():
    keys = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="many/")
            for o in p.get("Contents", [])]
    assert len(keys) == LIST_KEYS, len(keys)
    for i in range(0, len(keys), 1000):
        batch = keys[i : i + 1000]
        resp = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": k} for k in batch]})
        assert not resp.get("Errors"), resp.get("Errors")
        assert sorted(d["Key"] for d in resp["Deleted"]) == sorted(batch)
    left = s3.list_objects_v2(Bucket=BUCKET, Prefix="many/")
    assert left["KeyCount"] == 0 and not left.get("Contents"), left
    # Quiet mode reports nothing, and deleting a missing key is not an error.
    resp = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "many/none"}], "Quiet": True})
    assert not resp.get("Errors") and not resp.get("Deleted"), resp


def check_presigned_url(client):
    url = client.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "big.bin"}, ExpiresIn=300)
    status, body = fetch(url)
    assert status == 200, "GET %s…: %d %s" % (url.split("?")[0], status, body[:500])
    assert sha256(body) == file_sha256(BIG_PATH)


def test_presigned_url():
    # The default signer: botocore presigns S3 in us-east-1 with Signature Version 2.
    check_presigned_url(s3)


def test_presigned_url_sigv4():
    v4 = boto3.client(
        "s3", endpoint_url=ENDPOINT, region_name=REGION, config=botocore.config.Config(signature_version="s3v4")
    )
    check_presigned_url(v4)


def multipart_form(fields, file_name, content):
    """Encodes a multipart/form-data body by hand: the fields, then the file last."""
    boundary = "----cairn" + secrets.token_hex(12)
    parts = []
    for name, value in fields.items():
        parts.append(
            ('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, name, value)).encode()
        )
    parts.append(
        (
            '--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n" % (boundary, file_name)
        ).encode()
        + content
        + b"\r\n"
    )
    parts.append(("--%s--\r\n" % boundary).encode())
    return b"".join(parts), "multipart/form-data; boundary=" + boundary


def check_presigned_post(client, key):
    content = os.urandom(70_000)
    post = client.generate_presigned_post(BUCKET, key, ExpiresIn=300)
    body, ctype = multipart_form(post["fields"], "upload.bin", content)
    status, resp = fetch(post["url"], data=body, headers={"Content-Type": ctype})
    assert status == 204, "POST %s: %d %s" % (post["url"], status, resp[:500])
    assert sha256(get_body(key)) == sha256(content)


def test_presigned_post():
    # The default signer: botocore signs S3 POST policies in us-east-1 with Signature Version 2.
    check_presigned_post(s3, "posted/default.bin")


def test_presigned_post_sigv4():
    v4 = boto3.client(
        "s3", endpoint_url=ENDPOINT, region_name=REGION, config=botocore.config.Config(signature_version="s3v4")
    )
    check_presigned_post(v4, "posted/sigv4.bin")


def test_error_no_such_key():
    assert error_code(s3.get_object, Bucket=BUCKET, Key="no/such/key") == "NoSuchKey"


def test_error_no_such_bucket():
    missing = "missing-" + secrets.token_hex(4)
    assert error_code(s3.list_objects_v2, Bucket=missing) == "NoSuchBucket"
    assert error_code(s3.get_object, Bucket=missing, Key="k") == "NoSuchBucket"
    assert error_code(s3.put_object, Bucket=missing, Key="k", Body=b"x") == "NoSuchBucket"


def test_error_bucket_not_empty():
    assert error_code(s3.delete_bucket, Bucket=BUCKET) == "BucketNotEmpty"
    s3.head_bucket(Bucket=BUCKET)  # still there


def test_delete_bucket():
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        objs = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if objs:
            resp = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": objs})
            assert not resp.get("Errors"), resp.get("Errors")
    s3.delete_bucket(Bucket=BUCKET)
    assert error_code(s3.head_bucket, Bucket=BUCKET) == "404"
    assert BUCKET not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


TESTS = [
    test_create_bucket,
    test_put_small_with_metadata,
    test_upload_file_multipart,
    test_download_file,
    test_get_range,
    test_copy_object,
    test_list_paginator,
    test_delete_objects,
    test_presigned_url,
    test_presigned_url_sigv4,
    test_presigned_post,
    test_presigned_post_sigv4,
    test_error_no_such_key,
    test_error_no_such_bucket,
    test_error_bucket_not_empty,
    test_delete_bucket,
]


def main():
    passed, failed = 0, []
    for test in TESTS:
        start = time.monotonic()
        try:
            test()
        except Exception:
            failed.append(test.__name__)
            print("FAIL %s (%.1fs)" % (test.__name__, time.monotonic() - start))
            traceback.print_exc(file=sys.stdout)
        else:
            passed += 1
            print("ok   %s (%.1fs)" % (test.__name__, time.monotonic() - start))
        sys.stdout.flush()
    for name in os.listdir(TMP):
        os.remove(os.path.join(TMP, name))
    os.rmdir(TMP)
    print("boto3: %d passed, %d failed%s" % (passed, len(failed), " (%s)" % ", ".join(failed) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
