corpus-v1-000015 "j9[>QΒ›γ5ΤώZέz=Θg@Ήώ«j›ϋ'K‚&
regionεδΈ
	employees120