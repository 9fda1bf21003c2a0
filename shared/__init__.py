"""Portal payments domain package: shared by every Lambda function (deployed as a layer)."""
