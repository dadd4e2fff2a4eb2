corpus-v1-000012 "j9[>QΒ›γ5ΤώZέz=Θg@Ήώ«j›ϋ'Kς#
Acme Trading Ltd:	Hong Kongli