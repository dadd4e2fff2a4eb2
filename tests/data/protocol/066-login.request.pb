corpus-v1-000066Z
admin	admin-pw2