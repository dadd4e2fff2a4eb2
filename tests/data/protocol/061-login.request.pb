corpus-v1-000061Z
admin	admin-pw2