corpus-v1-000050 "j9[>QΒ›γ5ΤώZέz=Θg@Ήώ«j›ϋ'Kr
admin-pw	admin-pw2