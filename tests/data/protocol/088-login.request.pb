corpus-v1-000088Z
wangpw-wang