corpus-v1-000068Z
admin	admin-pw2