"""Silver: typed, cleaned, de-duplicated current state of every object, validated with pandera."""
