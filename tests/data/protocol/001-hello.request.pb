corpus-v1-000001R
gen-protocol-corpus