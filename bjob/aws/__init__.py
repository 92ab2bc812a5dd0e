"""The AWS side: sessions and clients (through boto3), the Bedrock calls, and the one
translation of AWS failures into `BjobError`. boto3 and botocore are imported inside the
functions that need them, so paths that never call AWS never pay for them."""
