corpus-v1-000079Z
admin	admin-pw2