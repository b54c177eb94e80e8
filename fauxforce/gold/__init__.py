"""Gold: the star schema and marts of warehouse_sql/gold, with the assertions of warehouse_sql/tests."""
