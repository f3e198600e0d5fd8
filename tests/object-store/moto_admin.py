"""The tests' own view of the S3 server (moto), through boto3 and never through rclone.

  setup ENDPOINT BUCKET...          IAM user with s3:* and an access key, the buckets, then auth on;
                                    prints {"accessKeyId", "secretAccessKey"}
  list ENDPOINT BUCKET PREFIX       every object under PREFIX: key, size, sha256, sse, kmsKeyId (JSON)
  put ENDPOINT BUCKET KEY FILE      overwrites one object with FILE's bytes
Credentials for list and put come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
"""

import hashlib
import json
import sys
import urllib.request

import boto3
from botocore.config import Config

REGION = "us-east-1"
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


def client(service, endpoint, **credentials):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        **credentials,
    )


def setup(endpoint, buckets):
    # moto checks no signature until reset-auth: these calls need no credentials of their own.
    anonymous = {"aws_access_key_id": "setup", "aws_secret_access_key": "setup"}
    iam = client("iam", endpoint, **anonymous)
    iam.create_user(UserName="backup")
    iam.put_user_policy(UserName="backup", PolicyName="s3", PolicyDocument=json.dumps(POLICY))
    key = iam.create_access_key(UserName="backup")["AccessKey"]
    s3 = client("s3", endpoint, **anonymous)
    for bucket in buckets:
        s3.create_bucket(Bucket=bucket)
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"}
    )
    urllib.request.urlopen(request).read()
    print(json.dumps({"accessKeyId": key["AccessKeyId"], "secretAccessKey": key["SecretAccessKey"]}))


def list_objects(endpoint, bucket, prefix):
    s3 = client("s3", endpoint)
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            obj = s3.get_object(Bucket=bucket, Key=item["Key"])
            body = obj["Body"].read()
            found.append(
                {
                    "key": item["Key"],
                    "size": len(body),
                    "sha256": hashlib.sha256(body).hexdigest(),
                    "sse": obj.get("ServerSideEncryption"),
                    "kmsKeyId": obj.get("SSEKMSKeyId"),
                }
            )
    print(json.dumps(found))


def put(endpoint, bucket, key, file):
    with open(file, "rb") as data:
        client("s3", endpoint).put_object(Bucket=bucket, Key=key, Body=data.read())


def main(argv):
    command, endpoint, *rest = argv
    if command == "setup":
        setup(endpoint, rest)
    elif command == "list":
        list_objects(endpoint, *rest)
    elif command == "put":
        put(endpoint, *rest)
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
