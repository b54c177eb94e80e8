"""A local Salesforce org over HTTPS, serving a generated org (`fauxforce mock-salesforce`)."""
