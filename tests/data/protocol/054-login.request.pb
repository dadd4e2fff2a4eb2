corpus-v1-000054Z
admin	admin-pw2