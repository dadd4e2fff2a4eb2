corpus-v1-000052Z
admin	admin-pw2