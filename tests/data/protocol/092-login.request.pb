corpus-v1-000092Z
admin	admin-pw2