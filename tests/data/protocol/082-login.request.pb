corpus-v1-000082Z
wangpw-wang