"""AWS adapters: the botocore session, DynamoDB through PynamoDB (models, store), SES and SQS, Secrets Manager, the queues' Lambda entries."""
