"""The synthetic org: a seeded, columnar generator of a Salesforce org and the ERP behind it."""
