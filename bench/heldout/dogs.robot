*** Comments ***
The held-out form typed by Robot Framework + SeleniumLibrary, as an RF user would write it:
headless Chromium (--headless=new --no-sandbox --disable-gpu) through Debian's chromedriver,
log in once, then one pass of the three steps per row. Prints "[k/N] <case> done <licence>".
    python -m robot --variable URL:http://127.0.0.1:8765 --variable INPUT:dogs.csv dogs.robot

*** Settings ***
Library           SeleniumLibrary    timeout=10s
Library           OperatingSystem
Library           rf_cases.py
Suite Setup       Open Browser And Log In
Suite Teardown    Close All Browsers

*** Variables ***
${URL}            http://127.0.0.1:8765
${INPUT}          dogs.csv
${CHROMIUM}       /usr/bin/chromium
${DRIVER}         /usr/bin/chromedriver

*** Tasks ***
Register Every Dog
    ${rows}=    Read Cases    ${INPUT}
    ${total}=    Get Length    ${rows}
    FOR    ${number}    ${row}    IN ENUMERATE    @{rows}    start=1
        ${licence}=    Register Dog    ${row}
        Log To Console    [${number}/${total}] ${row}[受付番号] done ${licence}
    END

*** Keywords ***
Open Browser And Log In
    ${user}=    Get Environment Variable    DOG_WEB_USER
    ${password}=    Get Environment Variable    DOG_WEB_PASSWORD
    Open Browser    ${URL}/login    chrome    executable_path=${DRIVER}
    ...    options=binary_location="${CHROMIUM}";add_argument("--headless=new");add_argument("--no-sandbox");add_argument("--disable-gpu")
    Input Text    id:staff    ${user}
    Input Password    id:pass    ${password}
    Click Button    ログイン
    Wait Until Page Contains Element    link:新規登録

Register Dog
    [Arguments]    ${row}
    Go To    ${URL}/dog/new
    Input Text    id:o1    ${row}[受付番号]
    Input Text    id:o2    ${row}[飼い主氏名]
    Input Text    name:kana    ${row}[フリガナ]
    Input Text    name:zip    ${row}[郵便番号]
    Input Text    name:addr    ${row}[住所]
    Input Text    name:tel    ${row}[電話番号]
    Click Button    次へ
    Wait Until Page Contains Element    id:p1
    Input Text    id:p1    ${row}[犬の名前]
    Select From List By Label    id:p2    ${row}[犬種]
    ${sex}=    Set Variable If    "${row}[性別]" == "オス"    M    F
    Select Radio Button    sex    ${sex}
    ${year}    ${month}    ${day}=    Date Parts    ${row}[生年月日]
    Select From List By Value    name:by    ${year}
    Select From List By Value    name:bm    ${month}
    Select From List By Value    name:bd    ${day}
    Wait Until Element Is Enabled    id:coat
    Select From List By Value    id:coat    ${row}[毛色]
    IF    "${row}[不妊去勢]" == "済"
        Select Checkbox    id:p4
    ELSE
        Unselect Checkbox    id:p4
    END
    ${rabies}=    Evaluate    $row["狂犬病予防注射日"].replace("/", "-")
    Input Text    id:p5    ${rabies}
    Click Button    確認画面へ
    Wait Until Page Contains    以下の内容で登録します。
    Click Button    登録する
    Wait Until Page Contains    登録しました。
    ${licence}=    Get Text    id:licence
    RETURN    ${licence}
